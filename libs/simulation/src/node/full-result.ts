import type { CheckAllResult, MemberHistory } from '@cohort/checkers';
import type { GroupStatus, MeshStatus } from '@cohort/core';
import type { NetworkStats } from '../network.js';
import type { SimFullNode } from './full-node.js';
import { formatFullFailure } from './full-report.js';
import type { FullScenarioOptions } from './full-scenario.js';

export interface FullGroupStats {
  readonly group: string;
  readonly status: GroupStatus | undefined;
  readonly finalViewId: number | undefined;
  readonly finalMembers: readonly string[] | undefined;
  readonly joinedAt: number;
  readonly issued: number;
  readonly acknowledged: number;
  readonly delivered: number;
  /** Frames the group machine dropped, per DropReason. */
  readonly drops: Readonly<Record<string, number>>;
}

export interface FullNodeStats {
  readonly id: string;
  readonly state: string;
  readonly meshStatus: MeshStatus | undefined;
  readonly startedAt: number | undefined;
  readonly meshViewId: number | undefined;
  readonly meshMembers: readonly string[] | undefined;
  readonly statusLog: ReadonlyArray<{ at: number; status: MeshStatus }>;
  /** Frames the node or its mesh machine dropped. */
  readonly drops: Readonly<Record<string, number>>;
  readonly groups: readonly FullGroupStats[];
}

export interface FullSimStats {
  readonly events: number;
  readonly virtualTimeMs: number;
  readonly network: NetworkStats;
  /** Group joins issued at the same virtual time as another join of the same group. */
  readonly concurrentJoins: number;
  readonly nodes: readonly FullNodeStats[];
}

export interface FullScenarioResult {
  readonly seed: number;
  readonly options: FullScenarioOptions;
  readonly ok: boolean;
  /** One '$mesh' history per incarnation that started, then one per incarnation and group it joined. */
  readonly histories: MemberHistory[];
  /** checkAll over the mesh's and each group's histories (names prefixed with the scope), and the simulator's checks. */
  readonly check: CheckAllResult;
  /**
   * Virtual ms from the start of the quiet phase until the mesh and every group last became one
   * view of exactly their live members (0 if they already were); undefined if not at the end.
   */
  readonly convergenceMs: number | undefined;
  readonly stats: FullSimStats;
  readonly timeline: readonly string[];
  /** `npx vopr --full --seed N ...`: replays this run exactly. */
  readonly replay: string;
  readonly report: string;
}

export interface FullRunRecord {
  readonly options: FullScenarioOptions;
  readonly histories: MemberHistory[];
  readonly check: CheckAllResult;
  readonly nodes: readonly SimFullNode[];
  readonly groups: readonly string[];
  readonly events: number;
  readonly virtualTimeMs: number;
  readonly network: NetworkStats;
  readonly meshConvergedAt: number | undefined;
  readonly groupsConvergedAt: number | undefined;
  readonly concurrentJoins: number;
  readonly timeline: readonly string[];
  readonly replay: string;
}

/** The result of a run, with its statistics and, when it failed, the report. */
export function buildFullResult(run: FullRunRecord): FullScenarioResult {
  const { options, check } = run;
  const quiet = options.durationMs;
  const mesh = run.meshConvergedAt;
  const groups = run.groupsConvergedAt;
  const stats: FullSimStats = {
    events: run.events,
    virtualTimeMs: run.virtualTimeMs,
    network: run.network,
    concurrentJoins: run.concurrentJoins,
    nodes: run.nodes.map(nodeStats),
  };
  const partial = {
    seed: options.seed,
    options,
    ok: check.ok,
    histories: run.histories,
    check,
    convergenceMs: mesh === undefined || groups === undefined ? undefined : Math.max(0, mesh - quiet, groups - quiet),
    stats,
    timeline: run.timeline,
    replay: run.replay,
  };
  return { ...partial, report: check.ok ? '' : formatFullFailure(partial) };
}

function nodeStats(node: SimFullNode): FullNodeStats {
  return {
    id: node.id,
    state: node.state,
    meshStatus: node.status,
    startedAt: node.startedAt,
    meshViewId: node.currentView?.id,
    meshMembers: node.currentView?.members,
    statusLog: node.statusLog,
    drops: node.drops,
    groups: [...node.groups.values()].map((m) => ({
      group: m.group,
      status: m.status,
      finalViewId: m.currentView?.id,
      finalMembers: m.currentView?.members,
      joinedAt: m.joinedAt,
      issued: m.requests.length,
      acknowledged: m.requests.filter((r) => r.outcome === 'acknowledged').length,
      delivered: m.history.events.filter((e) => e.kind === 'deliver').length,
      drops: m.drops,
    })),
  };
}
