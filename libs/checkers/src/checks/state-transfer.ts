import type { MemberHistory } from '../history.js';
import { indexHistories, type HistoryIndex, type MemberIndex, type Restore, type Segment } from '../history-index.js';
import { ResultBuilder, sample, type AnomalyKind, type CheckOptions, type CheckResult } from '../result.js';
import { LogComparer, type LogDiff, type LogOrder } from './log-diff.js';
import { causalInversions, messageClocksOf, type MessageClocks } from './vector-clocks.js';

// A joiner's state equals the old members' state after exactly the messages of the previous views,
// and it then delivers exactly the messages of its first view. States are compared as replicated
// logs: a restore carries the provider's log, and a member's log at its install of v is its latest
// restored log before that install (if any) followed by its deliveries since, up to the install.
//
// For a restore by j of view v:
//  - it lies in j's segment of v, before any delivery there (delivered first: outOfOrder), and j
//    restores v only once;
//  - j delivers nothing its restored log already holds, until its next restore (duplicated);
//  - the log has no repeats (duplicated) and, against each old member of v (installed v and an
//    earlier view, is not in v's `joined`, did not restore at v), holds the same set: missing
//    messages are lost; extra ones unexpected if no old member holds them, diverged if some do;
//  - order, against each old member: the same sequence under total order, the same order per
//    sender otherwise (outOfOrder); under causal order the log must also respect happens-before;
//  - two joiners of v restored logs that agree by the same measure (diverged otherwise).
// Members without a restore are not checked: their group transfers no state.
export function stateTransfer(histories: readonly MemberHistory[], options: CheckOptions = {}): CheckResult {
  return stateTransferOf(indexHistories(histories), options);
}

interface Context {
  readonly index: HistoryIndex;
  readonly result: ResultBuilder;
  readonly comparer: LogComparer;
  readonly order: LogOrder;
  readonly clocks: MessageClocks | undefined;
}

interface OldMember {
  readonly member: MemberIndex;
  readonly log: Int32Array;
}

export function stateTransferOf(index: HistoryIndex, options: CheckOptions): CheckResult {
  const result = new ResultBuilder('stateTransfer', options);
  if (index.restoresByView.size === 0) return result.build();
  const ctx: Context = {
    index,
    result,
    comparer: new LogComparer(index),
    order: index.orderings.has('total') ? 'sequence' : 'perSender',
    clocks: index.orderings.has('causal') ? messageClocksOf(index) : undefined,
  };
  for (const m of index.members) checkPlacement(ctx, m);
  const viewIds = [...index.restoresByView.keys()].sort((a, b) => a - b);
  for (const viewId of viewIds) checkView(ctx, viewId, index.restoresByView.get(viewId)!);
  return result.build();
}

// Where j applied each state, and what j delivered after it.
function checkPlacement({ index, result }: Context, j: MemberIndex): void {
  const restored = new Set<number>();
  j.restores.forEach((r, k) => {
    const v = r.viewId;
    if (restored.has(v)) {
      result.add({ member: j.member, viewId: v, message: `${j.member} applied a state for view ${v} twice` });
    }
    restored.add(v);
    const current = r.segment?.view.id;
    if (current !== v) {
      result.add({
        member: j.member,
        viewId: v,
        message:
          current === undefined
            ? `${j.member} applied the state of view ${v} before installing any view`
            : `${j.member} applied the state of view ${v} while its installed view was ${current}`,
      });
    } else {
      const early = r.segment!.deliveries.filter((d) => d.pos < r.pos).map((d) => index.messages[d.msg]!.id);
      if (early.length > 0) {
        for (const id of early) result.flag('outOfOrder', id);
        result.add({
          member: j.member,
          viewId: v,
          msgId: early[0]!,
          message: () => `${j.member} delivered ${sample(early)} in view ${v} before applying its transferred state`,
        });
      }
    }
    const log = new Set(r.log);
    const end = j.restores[k + 1]?.deliveriesBefore ?? j.deliveries.length;
    for (let d = r.deliveriesBefore; d < end; d++) {
      const delivery = j.deliveries[d]!;
      if (!log.has(delivery.msg)) continue;
      const id = index.messages[delivery.msg]!.id;
      result.add({
        member: j.member,
        msgId: id,
        viewId: delivery.viewId,
        anomaly: 'duplicated',
        message: () => `${j.member} delivered ${id} in view ${delivery.viewId}, which its state of view ${v} holds`,
      });
    }
  });
}

function checkView(ctx: Context, viewId: number, restores: readonly Restore[]): void {
  const joiners = new Set(restores.map((r) => r.member));
  const old = oldMembers(ctx, viewId, joiners);
  const compared = new Set<MemberIndex>();
  let reference: { restore: Restore; log: Int32Array } | undefined;
  for (const r of restores) {
    const { unique, duplicates } = ctx.comparer.dedupe(r.log);
    report(ctx, r, 'duplicated', duplicates, (ids) => `lists ${sample(ids)} more than once`);
    compareWithOldMembers(ctx, r, unique, old);
    if (ctx.clocks !== undefined) checkCausal(ctx, r, unique, ctx.clocks);
    if (compared.has(r.member)) continue;
    compared.add(r.member);
    if (reference === undefined) {
      reference = { restore: r, log: unique };
      continue;
    }
    const diff = ctx.comparer.diff(unique, reference.log, ctx.order);
    const other = reference.restore.member.member;
    report(ctx, r, 'diverged', new Set([...diff.onlyInA, ...diff.onlyInB, ...diff.outOfOrder]), (ids) => {
      const how =
        diff.onlyInA.length + diff.onlyInB.length > 0 ? 'holds different messages' : 'orders them differently';
      return `${how} than the state ${other} applied for the same view (${sample(ids)})`;
    });
  }
}

function compareWithOldMembers(ctx: Context, r: Restore, log: Int32Array, old: readonly OldMember[]): void {
  // Message -> the old members that hold it though the state does not (lost), or that lack it
  // though the state holds it (extra).
  const lost = new Map<number, MemberIndex[]>();
  const extra = new Map<number, MemberIndex[]>();
  const outOfOrder = new Set<number>();
  let inversion: { diff: LogDiff; member: MemberIndex } | undefined;
  for (const o of old) {
    const diff = ctx.comparer.diff(log, o.log, ctx.order);
    for (const msg of diff.onlyInB) append(lost, msg, o.member);
    for (const msg of diff.onlyInA) append(extra, msg, o.member);
    for (const msg of diff.outOfOrder) outOfOrder.add(msg);
    if (inversion === undefined && diff.inversion !== undefined) inversion = { diff, member: o.member };
  }
  report(ctx, r, 'lost', lost.keys(), (ids) => `lacks ${sample(ids)}, applied by old member(s) ${names(lost)}`);
  const none = new Map([...extra].filter(([, lacking]) => lacking.length === old.length));
  const some = new Map([...extra].filter(([, lacking]) => lacking.length < old.length));
  report(ctx, r, 'unexpected', none.keys(), (ids) => `holds ${sample(ids)}, which no old member had applied`);
  report(
    ctx,
    r,
    'diverged',
    some.keys(),
    (ids) => `holds ${sample(ids)}, which some old members had applied but ${names(some)} had not`,
  );
  if (inversion !== undefined) {
    const { first, second } = inversion.diff.inversion!;
    const a = ctx.index.messages[first]!.id;
    const b = ctx.index.messages[second]!.id;
    const per = ctx.order === 'sequence' ? '' : ' (same sender)';
    const by = inversion.member.member;
    report(
      ctx,
      r,
      'outOfOrder',
      outOfOrder,
      () => `applies ${b} before ${a}${per}; old member ${by} applied ${a} first`,
    );
  }
}

function append(map: Map<number, MemberIndex[]>, msg: number, m: MemberIndex): void {
  const list = map.get(msg);
  if (list === undefined) map.set(msg, [m]);
  else list.push(m);
}

function names(byMessage: ReadonlyMap<number, readonly MemberIndex[]>): string {
  const members = new Set<string>();
  for (const list of byMessage.values()) for (const m of list) members.add(m.member);
  return sample([...members]);
}

function checkCausal(ctx: Context, r: Restore, log: Int32Array, clocks: MessageClocks): void {
  causalInversions(ctx.index, clocks, log, (at, dependent) => {
    const late = ctx.index.messages[log[at]!]!.id;
    const before = ctx.index.messages[dependent]!.id;
    report(ctx, r, 'outOfOrder', [log[at]!], () => `applies ${late} after ${before}, which causally depends on it`);
  });
}

// One violation for a restore, with every listed message put in the anomaly set.
function report(
  { index, result }: Context,
  r: Restore,
  anomaly: AnomalyKind,
  msgs: Iterable<number>,
  what: (ids: readonly string[]) => string,
): void {
  const ids = [...msgs].map((msg) => index.messages[msg]!.id);
  if (ids.length === 0) return;
  for (const id of ids) result.flag(anomaly, id);
  const j = r.member.member;
  result.add({
    member: j,
    viewId: r.viewId,
    msgId: ids[0]!,
    message: () => `${j}'s transferred state for view ${r.viewId} ${what(ids)}`,
  });
}

// Members of v that carried their state over from earlier views, with their logs at the install.
function oldMembers(ctx: Context, viewId: number, joiners: ReadonlySet<MemberIndex>): OldMember[] {
  const old: OldMember[] = [];
  for (const m of ctx.index.installers.get(viewId) ?? []) {
    const segment = m.segmentByView.get(viewId)!;
    if (joiners.has(m) || segment === m.segments[0] || segment.view.joined.includes(m.member)) continue;
    old.push({ member: m, log: ctx.comparer.dedupe(logAt(m, segment)).unique });
  }
  return old;
}

// Deliveries before the latest restore do not count: the restore replaced the state they built.
function logAt(m: MemberIndex, segment: Segment): number[] {
  const restore = latestRestoreBefore(m, segment.start);
  const log = restore === undefined ? [] : Array.from(restore.log);
  for (let d = restore?.deliveriesBefore ?? 0; d < segment.deliveriesBefore; d++) log.push(m.deliveries[d]!.msg);
  return log;
}

function latestRestoreBefore(m: MemberIndex, pos: number): Restore | undefined {
  let lo = 0;
  let hi = m.restores.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (m.restores[mid]!.pos < pos) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : m.restores[lo - 1];
}
