import type { DeliveryMode, HistoryEvent, MemberHistory, Ordering } from '@cohort/checkers';
import { spawnTracked } from '../tracked-process.js';
import type { TrackedProcess } from '../tracked-process.js';

// The side of the multi-process tests (and of the chaos runner) that reads a fixture node's stdout:
// one `<TAG> <json>` line per event, with the wall-clock time `t` at which the node saw it.

/** A MESH or GVIEW line. Mesh lines of the mesh-only fixture carry no group, coordinator or joined. */
export interface ViewLine {
  t: number;
  group?: string;
  id: number;
  members: string[];
  coordinator?: string;
  joined?: string[];
  left: string[];
  failed: string[];
}

interface Tagged {
  tag: string;
  record: Record<string, unknown>;
}

const MESH = '$mesh';
const TRAFFIC = new Set(['SEND', 'ACK', 'DELIVER']);
const MEMBERSHIP_TAIL = 25;

/** The order and delivery the group was joined with, which the checkers check the history against. */
export interface GroupMode {
  readonly ordering: Ordering;
  readonly delivery: DeliveryMode;
}

const FIFO_AGREED: GroupMode = { ordering: 'fifo', delivery: 'agreed' };

/**
 * Rejections after which, by the API's contract, the multicast was not sent: its SEND line is
 * then no send. Should the protocol send it anyway, the others' deliveries of it have no send
 * and the integrity check reports them (unexpected).
 */
const NOT_SENT = new Set(['FlushTimeoutError', 'MemberRemovedError']);

export interface WaitOptions {
  /** Default 10 s. */
  readonly timeoutMs?: number;
  /** What is awaited, for the error message. */
  readonly what?: string;
}

function parse(line: string): Tagged | undefined {
  const space = line.indexOf(' ');
  if (space <= 0 || line[space + 1] !== '{') return undefined;
  return { tag: line.slice(0, space), record: JSON.parse(line.slice(space + 1)) as Record<string, unknown> };
}

export class NodeProcess {
  id = '';

  constructor(
    readonly name: string,
    readonly proc: TrackedProcess,
    /** When the process was spawned (ms since the epoch), for join times. */
    readonly spawnedAt: number,
    /** The groups the fixture was told to join. */
    readonly groups: readonly string[] = [],
  ) {}

  /** Every record printed with `tag` so far, in output order. */
  records<T>(tag: string, pred: (record: T) => boolean = () => true): T[] {
    const out: T[] = [];
    for (const line of this.proc.lines) {
      const parsed = parse(line);
      if (parsed?.tag === tag && pred(parsed.record as T)) out.push(parsed.record as T);
    }
    return out;
  }

  /**
   * The first record with `tag` that matches, printed already or later. On a timeout the error
   * names what was awaited and shows the node's latest membership lines, which the raw output's
   * tail (mostly traffic) does not.
   */
  async waitRecord<T>(tag: string, pred: (record: T) => boolean, options: WaitOptions = {}): Promise<T> {
    const { timeoutMs = 10_000, what = 'the awaited one' } = options;
    try {
      const line = await this.proc.waitForLine((l) => {
        const parsed = parse(l);
        return parsed?.tag === tag && pred(parsed.record as T);
      }, timeoutMs);
      return parse(line)!.record as T;
    } catch (error) {
      const membership = this.proc.lines.filter((l) => !TRAFFIC.has(l.slice(0, l.indexOf(' '))));
      throw new Error(
        `${this.name} (${this.id}): no ${tag} line: ${what}\n--- membership lines (tail) ---\n` +
          `${membership.slice(-MEMBERSHIP_TAIL).join('\n')}\n--- ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  meshViews(): ViewLine[] {
    return this.records<ViewLine>('MESH');
  }

  waitMeshView(pred: (v: ViewLine) => boolean, options?: WaitOptions): Promise<ViewLine> {
    return this.waitRecord('MESH', pred, options);
  }

  async waitMeshStatus(status: string, options: WaitOptions = {}): Promise<void> {
    await this.waitRecord<{ status: string }>('STATUS', (s) => s.status === status, {
      what: `mesh status ${status}`,
      ...options,
    });
  }

  groupViews(group: string): ViewLine[] {
    return this.records<ViewLine>('GVIEW', (v) => v.group === group);
  }

  waitGroupView(group: string, pred: (v: ViewLine) => boolean, options?: WaitOptions): Promise<ViewLine> {
    return this.waitRecord<ViewLine>('GVIEW', (v) => v.group === group && pred(v), options);
  }

  async waitGroupStatus(group: string, status: string, options: WaitOptions = {}): Promise<void> {
    await this.waitRecord<{ group: string; status: string }>(
      'GSTATUS',
      (s) => s.group === group && s.status === status,
      {
        what: `status ${status} in ${group}`,
        ...options,
      },
    );
  }

  /**
   * Every id this node has had: its first, then one per new incarnation (a node the primary mesh
   * removed rejoins with a new id). Fixtures that print no `self` on their status lines have one.
   */
  incarnations(): string[] {
    const ids = [this.id];
    for (const s of this.records<StatusLine>('STATUS')) if (startsIncarnation(s, ids.at(-1)!)) ids.push(s.self!);
    return ids;
  }

  /**
   * This node's histories of `group` (or of the mesh, `$mesh`) for the checkers, one per
   * incarnation: to the checkers each incarnation is a member of its own. `crashed`: the test
   * SIGKILLed the node while it was a member, which the node itself cannot print. `mode`: how
   * the fixture joined the group (the mesh is FIFO and agreed). A multicast rejected as not sent
   * (REJECTED with FlushTimeoutError or MemberRemovedError) has no send event.
   */
  histories(group: string, crashed: boolean, mode: GroupMode = FIFO_AGREED): MemberHistory[] {
    const statusTag = group === MESH ? 'STATUS' : 'GSTATUS';
    const histories = [newHistory(this.id, group, mode)];
    const notSent = new Set(
      this.records<{ group: string; msgId: string; name?: string }>(
        'REJECTED',
        (r) => r.group === group && NOT_SENT.has(r.name ?? ''),
      ).map((r) => r.msgId),
    );
    let installed = 0;
    /** Position of a blocked event not yet followed by an install. */
    let blockedAt: number | undefined;
    for (const line of this.proc.lines) {
      const parsed = parse(line);
      if (parsed === undefined) continue;
      const r = parsed.record;
      const mine = group === MESH ? parsed.tag === 'MESH' || parsed.tag === 'STATUS' : r['group'] === group;
      if (!mine) continue;
      if (parsed.tag === 'SEND' && notSent.has(r['msgId'] as string)) continue;
      if (parsed.tag === statusTag && startsIncarnation(r as unknown as StatusLine, histories.at(-1)!.member)) {
        histories.push(newHistory((r as unknown as StatusLine).self!, group, mode));
        blockedAt = undefined;
      }
      // A restore belongs to the view installed right before it (the joiner's first).
      if (parsed.tag === 'GVIEW') installed = r['id'] as number;
      const event =
        parsed.tag === 'RESTORE'
          ? { kind: 'restore' as const, viewId: installed, log: r['log'] as string[], at: r['t'] as number }
          : toEvent(parsed.tag, r, group);
      const events = histories.at(-1)!.events;
      if (event?.kind === 'blocked') blockedAt = events.length;
      else if (event?.kind === 'install') blockedAt = undefined;
      else if (parsed.tag === statusTag && r['status'] === 'member' && blockedAt !== undefined) {
        // Blocked, then a member again in the same view: the node was cut off from a majority
        // (it heard nobody) but nobody removed it. Its view never ended, so the checkers must
        // hold it to everything a member of that view owes; `blockedSpans` checks the pause.
        events.splice(blockedAt, 1);
        blockedAt = undefined;
      }
      if (event !== undefined) events.push(event);
    }
    if (crashed) histories.at(-1)!.events.push({ kind: 'crash' });
    return histories;
  }

  /**
   * Every stretch in which this node's membership of `group` was blocked (GSTATUS blocked until
   * the next GSTATUS member, a new incarnation or the end), with the group traffic it printed
   * meanwhile.
   */
  blockedSpans(group: string): BlockedSpan[] {
    const spans: BlockedSpan[] = [];
    let open: { member: string; from: number; traffic: string[] } | undefined;
    for (const line of this.proc.lines) {
      const parsed = parse(line);
      if (parsed === undefined || parsed.record['group'] !== group) continue;
      const r = parsed.record;
      if (parsed.tag === 'GSTATUS') {
        const status = r['status'] as string;
        if (status === 'blocked' && open === undefined) {
          open = { member: r['self'] as string, from: r['t'] as number, traffic: [] };
        } else if (status !== 'blocked' && open !== undefined) {
          spans.push({ ...open, ...(r['self'] === open.member ? { to: r['t'] as number } : {}) });
          open = undefined;
        }
      } else if (open !== undefined && (parsed.tag === 'DELIVER' || parsed.tag === 'SEND')) {
        open.traffic.push(r['msgId'] as string);
      }
    }
    if (open !== undefined) spans.push(open);
    return spans;
  }
}

export interface BlockedSpan {
  /** The incarnation's id. */
  readonly member: string;
  readonly from: number;
  /** When it was a member again, or undefined if it never was in that incarnation. */
  readonly to?: number;
  /** msgIds it delivered or sent in between: there should be none (DESIGN §3.11: a blocked member stops). */
  readonly traffic: string[];
}

interface StatusLine {
  status: string;
  /** The node's id when it printed the line. */
  self?: string;
}

function startsIncarnation(s: StatusLine, current: string): boolean {
  return s.status === 'joining' && s.self !== undefined && s.self !== current;
}

function newHistory(member: string, group: string, mode: GroupMode): MemberHistory {
  return { member, group, ...mode, events: [] };
}

function toEvent(tag: string, r: Record<string, unknown>, group: string): HistoryEvent | undefined {
  const at = r['t'] as number;
  switch (tag) {
    case 'MESH':
    case 'GVIEW': {
      const v = r as unknown as ViewLine;
      const view = {
        group,
        id: v.id,
        members: v.members,
        // The mesh's coordinator is its oldest member by definition.
        coordinator: v.coordinator ?? v.members[0]!,
        joined: v.joined ?? [],
        left: v.left,
        failed: v.failed,
      };
      return { kind: 'install', view, at };
    }
    case 'SEND':
      return { kind: 'send', msgId: r['msgId'] as string, viewId: r['viewId'] as number, at };
    case 'ACK':
      return { kind: 'ack', msgId: r['msgId'] as string, at };
    case 'DELIVER':
      return {
        kind: 'deliver',
        msgId: r['msgId'] as string,
        sender: r['sender'] as string,
        viewId: r['viewId'] as number,
        at,
      };
    case 'STATUS':
    case 'GSTATUS':
      // A removed mesh node is, for the checkers, a member that stopped where it was blocked.
      if (r['status'] === 'blocked' || r['status'] === 'removed') return { kind: 'blocked', at };
      if (r['status'] === 'left') return { kind: 'leave', at };
      return undefined;
    default:
      return undefined;
  }
}

export interface SpawnNodeOptions {
  /** The fixture script to run with this Node.js. */
  readonly fixture: string;
  readonly name: string;
  /** Passed to the fixture as GROUPS. */
  readonly groups?: readonly string[];
  /** Added to the environment: NATS_URL, COHORT_NAMESPACE and whatever else the fixture reads. */
  readonly env: NodeJS.ProcessEnv;
  /** Opens a stdin pipe, for fixtures that take commands (group-node.mjs: SLOW, FAST). */
  readonly stdin?: boolean;
}

/** Spawns a fixture node and waits until it has connected and printed its id. */
export async function spawnNode({
  fixture,
  name,
  groups = [],
  env,
  stdin = false,
}: SpawnNodeOptions): Promise<NodeProcess> {
  const spawnedAt = Date.now();
  const proc = spawnTracked(process.execPath, [fixture], {
    env: { ...env, NODE_NAME: name, GROUPS: groups.join(',') },
    name,
    stdin,
  });
  const node = new NodeProcess(name, proc, spawnedAt, groups);
  node.id = (await proc.waitForLine(/^READY /, 15_000)).slice(6);
  return node;
}
