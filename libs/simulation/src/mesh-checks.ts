import type { CheckResult, Violation } from '@cohort/checkers';
import type { MeshStatus, View } from '@cohort/core';
import type { MeshNodeState } from './mesh-node.js';

const MAX_EXAMPLES = 100;

/** What the checks need of a node: a SimMeshNode, or a full node seen as its mesh side. */
export interface MeshCheckTarget {
  readonly id: string;
  readonly state: MeshNodeState;
  readonly status: MeshStatus | undefined;
  readonly currentView: View | undefined;
  readonly alive: boolean;
  /** Anything that must never happen: a machine threw, a frame did not encode or decode. */
  readonly errors: readonly string[];
}

export interface ConvergenceInput {
  readonly nodes: readonly MeshCheckTarget[];
  readonly quietStart: number;
  readonly convergeWithinMs: number;
  /** Since when the survivors have been converged without interruption, if they are at the end. */
  readonly convergedAt: number | undefined;
}

/** The incarnations that should be in the final mesh view: started, not crashed, left or removed. */
export function liveNodes<N extends MeshCheckTarget>(nodes: readonly N[]): N[] {
  return nodes.filter((n) => n.alive);
}

/**
 * Every live node is running, a 'member' (not joining, not blocked), and they all hold one view
 * whose members are exactly the live nodes. Called after every change, so it stays cheap.
 */
export function converged(nodes: readonly MeshCheckTarget[]): boolean {
  const live = liveNodes(nodes);
  const view = live[0]?.currentView;
  if (view === undefined || view.members.length !== live.length) return false;
  const members = new Set(view.members);
  return live.every(
    (n) => n.state === 'running' && n.status === 'member' && n.currentView?.id === view.id && members.has(n.id),
  );
}

/** The simulator's own checks: 'simulator' always; 'convergence' with liveness. */
export function meshChecks(input: ConvergenceInput, liveness: boolean): CheckResult[] {
  const { nodes } = input;
  const results = [
    buildResult(
      'simulator',
      nodes.flatMap((n) => n.errors.map((message) => ({ guarantee: 'simulator', message, member: n.id }))),
    ),
  ];
  if (liveness) results.push(buildResult('convergence', convergenceViolations(input)));
  return results;
}

function convergenceViolations(input: ConvergenceInput): Violation[] {
  const violations: Violation[] = [];
  const add = (message: string, member?: string): void => {
    violations.push({ guarantee: 'convergence', message, ...(member !== undefined ? { member } : {}) });
  };
  const live = liveNodes(input.nodes);
  if (live.length === 0) add('no live node at the end');
  for (const n of live) {
    if (n.status !== 'member' || n.state !== 'running')
      add(`${n.id} is ${n.state}/${n.status ?? '-'} at the end, in view ${n.currentView?.id ?? '-'}`, n.id);
  }
  if (input.convergedAt === undefined) {
    if (live.length > 0 && violations.length === 0) add('the live nodes do not share one view of exactly themselves');
    return violations;
  }
  const took = Math.max(0, input.convergedAt - input.quietStart);
  if (took > input.convergeWithinMs)
    add(`converged ${took} ms after the quiet phase started; the bound is ${input.convergeWithinMs} ms`);
  return violations;
}

/** A check result in the checkers' shape, from the simulator's own violations. */
export function buildResult(name: string, violations: Violation[]): CheckResult {
  return {
    name,
    ok: violations.length === 0,
    violations: violations.slice(0, MAX_EXAMPLES),
    count: violations.length,
    anomalies: { lost: [], unexpected: [], duplicated: [], outOfOrder: [], diverged: [] },
  };
}
