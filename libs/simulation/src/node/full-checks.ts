import type { CheckResult, MemberHistory, Violation } from '@cohort/checkers';
import { buildResult, liveNodes, meshChecks } from '../mesh-checks.js';
import type { SimFullNode } from './full-node.js';
import type { SimGroupMember } from './group-member.js';

export interface FullCheckInput {
  readonly nodes: readonly SimFullNode[];
  readonly groups: readonly string[];
  readonly quietStart: number;
  readonly convergeWithinMs: number;
  /** Since when the mesh has been converged without interruption, if it is at the end. */
  readonly meshConvergedAt: number | undefined;
  /** Since when every group has been converged without interruption, if they are at the end. */
  readonly groupsConvergedAt: number | undefined;
  /** Creations of a group while a node of the same mesh view held a view of it. */
  readonly duplicateGroups: readonly string[];
}

/** The members of `group` that should be in its final view: on a live node, joined, not ended. */
export function liveGroupMembers(nodes: readonly SimFullNode[], group: string): SimGroupMember[] {
  return liveNodes(nodes).flatMap((n) => {
    const member = n.groups.get(group);
    return member !== undefined && !member.ended ? [member] : [];
  });
}

/**
 * Every live member of `group` is on a running node, a 'member' of the group (not joining,
 * flushing or blocked), and they all hold one view whose members are exactly them. A group
 * without live members is converged. Called after every change, so it stays cheap.
 */
export function groupConverged(nodes: readonly SimFullNode[], group: string): boolean {
  const live = liveGroupMembers(nodes, group);
  const view = live[0]?.currentView;
  if (live.length === 0) return true;
  if (view === undefined || view.members.length !== live.length) return false;
  return live.every(
    (m) =>
      m.status === 'member' &&
      m.currentView?.id === view.id &&
      view.members.includes(m.member) &&
      nodes.find((n) => n.id === m.member)?.state === 'running',
  );
}

/**
 * The simulator's own checks of a full-node run, in the checkers' result shape:
 *  - `simulator` (always): a machine threw, a frame failed to encode or decode or named another
 *    sender, a delivery carried a foreign payload, a group reported after its history ended;
 *  - `crossTier` (always): a group view lists as `failed` only members that some node had already
 *    seen removed from the mesh, and is installed only by a node that is a mesh member;
 *  - `oneGroup` (always): nobody creates a group while a node of its mesh view holds a view of it;
 *  - with liveness: `convergence` (the mesh, within the bound), `groupConvergence` (every group,
 *    within the bound) and `requests` (every multicast of a surviving member ended).
 */
export function fullChecks(
  input: FullCheckInput,
  histories: readonly MemberHistory[],
  liveness: boolean,
): CheckResult[] {
  const { nodes } = input;
  const results = meshChecks(
    {
      nodes,
      quietStart: input.quietStart,
      convergeWithinMs: input.convergeWithinMs,
      convergedAt: input.meshConvergedAt,
    },
    liveness,
  );
  results.push(buildResult('crossTier', crossTierViolations(nodes, histories)));
  results.push(
    buildResult(
      'oneGroup',
      input.duplicateGroups.map((message) => ({ guarantee: 'oneGroup', message })),
    ),
  );
  if (!liveness) return results;
  results.push(buildResult('groupConvergence', groupConvergenceViolations(input)));
  results.push(buildResult('requests', requestViolations(nodes)));
  return results;
}

function crossTierViolations(nodes: readonly SimFullNode[], histories: readonly MemberHistory[]): Violation[] {
  return [
    ...nodes.flatMap((n) => n.outOfMesh.map((message) => ({ guarantee: 'crossTier', member: n.id, message }))),
    ...failuresBeforeRemoval(histories),
  ];
}

/**
 * Group views that list as `failed` a member the mesh had not removed yet: no node had installed
 * a mesh view without it (after one with it) by the time the group view was first installed.
 * Tier 2 fails only what tier 1 removed.
 */
export function failuresBeforeRemoval(histories: readonly MemberHistory[]): Violation[] {
  const violations: Violation[] = [];
  const removedAt = meshRemovalTimes(histories.filter((h) => h.group === '$mesh'));
  const checked = new Set<string>();
  for (const h of histories) {
    if (h.group === '$mesh') continue;
    for (const e of h.events) {
      if (e.kind !== 'install' || e.view.failed.length === 0) continue;
      // The first install of a group view is the earliest moment its coordinator decided it.
      const key = `${h.group}/${e.view.id}`;
      if (checked.has(key)) continue;
      checked.add(key);
      const at = firstInstall(histories, h.group, e.view.id);
      for (const failed of e.view.failed) {
        const removed = removedAt.get(failed);
        if (removed !== undefined && removed <= at) continue;
        violations.push({
          guarantee: 'crossTier',
          member: failed,
          viewId: e.view.id,
          message:
            `${h.group} view ${e.view.id} (first installed at t=${at}) lists ${failed} as failed, ` +
            (removed === undefined
              ? 'but no node ever installed a mesh view without it'
              : `but the mesh removed it only at t=${removed}`),
        });
      }
    }
  }
  return violations;
}

/**
 * Per node id, the earliest virtual time at which some node installed a mesh view without it
 * after a view with it: when the mesh had removed it (by failure, or by a leave).
 */
function meshRemovalTimes(meshHistories: readonly MemberHistory[]): Map<string, number> {
  const views = new Map<number, { members: readonly string[]; at: number }>();
  for (const h of meshHistories) {
    for (const e of h.events) {
      if (e.kind !== 'install') continue;
      const known = views.get(e.view.id);
      if (known === undefined || (e.at ?? 0) < known.at)
        views.set(e.view.id, { members: e.view.members, at: e.at ?? 0 });
    }
  }
  const ordered = [...views.entries()].sort(([a], [b]) => a - b);
  const firstIn = new Map<string, number>();
  const removedAt = new Map<string, number>();
  for (const [id, view] of ordered) {
    for (const m of view.members) if (!firstIn.has(m)) firstIn.set(m, id);
    for (const [m, since] of firstIn) {
      if (id <= since || view.members.includes(m)) continue;
      removedAt.set(m, Math.min(removedAt.get(m) ?? Infinity, view.at));
    }
  }
  return removedAt;
}

function firstInstall(histories: readonly MemberHistory[], group: string, viewId: number): number {
  let at = Infinity;
  for (const h of histories) {
    if (h.group !== group) continue;
    for (const e of h.events) if (e.kind === 'install' && e.view.id === viewId) at = Math.min(at, e.at ?? 0);
  }
  return at;
}

function groupConvergenceViolations(input: FullCheckInput): Violation[] {
  const violations: Violation[] = [];
  for (const group of input.groups) {
    if (groupConverged(input.nodes, group)) continue;
    const shown = liveGroupMembers(input.nodes, group)
      .map(
        (m) =>
          `${m.member} ${m.status ?? '-'} in view ${m.currentView?.id ?? '-'} [${m.currentView?.members.join(',') ?? ''}]`,
      )
      .join('; ');
    violations.push({ guarantee: 'groupConvergence', message: `${group} has not converged at the end: ${shown}` });
  }
  const at = input.groupsConvergedAt;
  if (violations.length === 0 && at !== undefined && at - input.quietStart > input.convergeWithinMs)
    violations.push({
      guarantee: 'groupConvergence',
      message: `the groups converged ${at - input.quietStart} ms after the quiet phase started; the bound is ${input.convergeWithinMs} ms`,
    });
  return violations;
}

function requestViolations(nodes: readonly SimFullNode[]): Violation[] {
  const violations: Violation[] = [];
  for (const node of nodes) {
    if (node.state === 'crashed' || node.state === 'removed' || node.state === 'idle') continue;
    for (const member of node.groups.values()) {
      const left = member.history.events.at(-1)?.kind === 'leave';
      // A group history that ended in a crash ended with the incarnation's removal: excused.
      if (member.ended && !left) continue;
      for (const r of member.requests) {
        if (r.outcome === 'acknowledged' || (r.outcome === 'rejected' && left && r.reason === 'left')) continue;
        // The caller is told it was not sent: a view change held it back past flushTimeoutMs.
        if (r.outcome === 'rejected' && r.reason === 'flush-timeout') continue;
        const what =
          r.outcome === 'rejected' ? `was rejected (${r.reason ?? '?'})` : `is still ${r.outcome} at the end`;
        violations.push({
          guarantee: 'requests',
          member: node.id,
          msgId: r.msgId,
          message: `${node.id}'s multicast ${r.msgId} to ${member.group} (issued at t=${r.issuedAt}) ${what}`,
        });
      }
    }
  }
  return violations;
}
