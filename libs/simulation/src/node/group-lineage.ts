import type { CheckAllOptions, CheckAllResult, MemberHistory, ViewRecord } from '@cohort/checkers';
import { ANOMALY_KINDS, checkAll } from '@cohort/checkers';

/** The histories of one lifetime of a group: from one creation (a view 1) on. */
export interface GroupLifetime {
  /** `g0`, or `g0@n2-2` for a lifetime after the first (named by its creator). */
  readonly name: string;
  readonly histories: MemberHistory[];
}

/**
 * Splits one group's histories into lifetimes. A group whose members all left or were removed is
 * created anew by its next joiner, from view 1 (group-membership.md, limits), and the views of
 * the two lifetimes are unrelated: checked together they would break view agreement for no
 * fault of either. A member history belongs to the lifetime of its first view: the creator's
 * own if that is a view 1, otherwise that of the history in which the view's coordinator
 * installed it. Whether two lifetimes were ever alive side by side is the simulator's
 * `oneGroup` check.
 */
export function groupLifetimes(group: string, histories: readonly MemberHistory[]): GroupLifetime[] {
  const byMember = new Map(histories.map((h) => [h.member, h]));
  const lifetimeOf = new Map<MemberHistory, string>();
  const names: string[] = [];
  const resolve = (h: MemberHistory, depth: number): string => {
    const known = lifetimeOf.get(h);
    if (known !== undefined) return known;
    const first = firstView(h);
    let name = group;
    const founder = first?.id === 1 ? byMember.get(first.coordinator) : undefined;
    if (first !== undefined && founder !== undefined && founder !== h && installs(founder, first)) {
      // A first view formed with several members (the mesh's, from joiners that heard each
      // other) is one lifetime, named after its coordinator.
      name = resolve(founder, depth + 1);
    } else if (first !== undefined && first.id === 1) {
      name = names.length === 0 ? group : `${group}@${h.member}`;
      names.push(name);
    } else if (first !== undefined && depth < histories.length) {
      // A joiner's first view was installed by older members of its lifetime: normally its
      // coordinator, or, when a successor finished a failed coordinator's change, another member;
      // when every older member left or failed in that very change, one of them installed the
      // view before it.
      const elder = [first.coordinator, ...first.members, ...first.left, ...first.failed]
        .map((m) => byMember.get(m))
        .find(
          (o) =>
            o !== undefined &&
            o !== h &&
            ((firstView(o)?.id !== first.id && installs(o, first)) || installsId(o, first.id - 1)),
        );
      if (elder !== undefined) name = resolve(elder, depth + 1);
    }
    lifetimeOf.set(h, name);
    return name;
  };
  // Creators first, in the order of their creation, so that the first lifetime keeps the group's name.
  const creators = histories
    .filter((h) => firstView(h)?.id === 1)
    .sort((a, b) => (firstInstallAt(a) ?? 0) - (firstInstallAt(b) ?? 0));
  for (const h of [...creators, ...histories]) resolve(h, 0);
  const lifetimes = new Map<string, MemberHistory[]>();
  for (const h of histories) {
    const name = lifetimeOf.get(h)!;
    lifetimes.set(name, [...(lifetimes.get(name) ?? []), h]);
  }
  return [...lifetimes].map(([name, list]) => ({ name, histories: list }));
}

function firstView(h: MemberHistory): ViewRecord | undefined {
  for (const e of h.events) if (e.kind === 'install') return e.view;
  return undefined;
}

function firstInstallAt(h: MemberHistory): number | undefined {
  for (const e of h.events) if (e.kind === 'install') return e.at;
  return undefined;
}

function installsId(h: MemberHistory, id: number): boolean {
  return h.events.some((e) => e.kind === 'install' && e.view.id === id);
}

function installs(h: MemberHistory, view: ViewRecord): boolean {
  return h.events.some(
    (e) =>
      e.kind === 'install' &&
      e.view.id === view.id &&
      e.view.coordinator === view.coordinator &&
      e.view.members.join() === view.members.join(),
  );
}

/** One scope's verdict (a lifetime, or the mesh): its checks, named `<scope> <check>`. */
export interface ScopedVerdict {
  readonly scope: string;
  readonly check: CheckAllResult;
}

/** Each lifetime of `group` checked on its own. */
export function checkLifetimes(
  group: string,
  histories: readonly MemberHistory[],
  options: CheckAllOptions,
): ScopedVerdict[] {
  return groupLifetimes(group, histories).map((l) => ({ scope: l.name, check: checkAll(l.histories, options) }));
}

/** The Jepsen-style sets of several verdicts, merged. */
export function mergedSummary(verdicts: readonly ScopedVerdict[]): CheckAllResult['summary'] {
  return Object.fromEntries(
    ANOMALY_KINDS.map((kind) => [kind, [...new Set(verdicts.flatMap((v) => v.check.summary[kind]))]]),
  ) as CheckAllResult['summary'];
}
