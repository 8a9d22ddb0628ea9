import type { GroupOrdering, GroupProtocolConfig, MeshConfig } from '@cohort/core';
import { DEFAULT_GROUP_ORDERING, DEFAULT_GROUP_PROTOCOL_CONFIG, DEFAULT_MESH_CONFIG } from '@cohort/core';
import type { MeshAction, MeshJoinMode } from '../mesh-scenario.js';
import { DEFAULT_MESH_FAULTS, MeshJoinMode as JoinModes, meshFaultProblems } from '../mesh-scenario.js';
import type { FaultOptions } from '../scenario.js';

/**
 * A run of whole nodes: the mesh (tier 1) and several groups (tier 2) on every node, through the
 * real NodeMachine. Node faults (`faults`: crashes, restarts, pauses, partitions, node leaves) are
 * the mesh simulator's; group leaves and the groups' shape are added here.
 */
export interface FullScenarioOptions {
  readonly seed: number;
  /** Initial nodes, n0..n(nodes-1); restarts and rejoins after removal add incarnations. */
  readonly nodes: number;
  /** Groups g0..g(groups-1), each joined by a random subset of at least two initial nodes. */
  readonly groups: number;
  /** Multicasts per member and group, at random times of the faulty phase. */
  readonly messages: number;
  /** Graceful leaves of one group by one of its members (the node stays in the mesh). */
  readonly groupLeaves: number;
  /** Probability that a group joiner joins at the same virtual time as the group's previous joiner. */
  readonly concurrentJoins: number;
  /** The faulty phase, from t = 0 (the joins included). */
  readonly durationMs: number;
  /** Then this long without faults; the survivors must have converged by its end. */
  readonly quietMs: number;
  /** The mesh and every group must converge within this long after the quiet phase starts. */
  readonly convergeWithinMs: number;
  /** `leaves` are graceful leaves of whole nodes (every group, then the mesh). */
  readonly faults: FaultOptions;
  /** How the nodes after n0 join the mesh (n0 forms it alone: meshes do not merge yet). */
  readonly joins: MeshJoinMode;
  readonly joinSpreadMs: number;
  /** Group joins happen at random times spread over this long after the first joins are due. */
  readonly groupJoinSpreadMs: number;
  readonly tickMs: number;
  /** Overrides of DEFAULT_MESH_CONFIG. */
  readonly mesh: Partial<MeshConfig>;
  /** Overrides of DEFAULT_GROUP_PROTOCOL_CONFIG. */
  readonly protocol: Partial<GroupProtocolConfig>;
  /** Group gi orders its deliveries by `orderings[i % orderings.length]`. */
  readonly orderings: readonly GroupOrdering[];
  /** Groups transfer their state (each member's replicated log) to joiners. */
  readonly state: boolean;
  /** A node the primary mesh removed rejoins as a new incarnation (NodeConfig.rejoin), or stays out. */
  readonly rejoin: boolean;
  /** Check liveness and bounded convergence at the end. */
  readonly liveness: boolean;
  /** Scripted node faults at exact times, without the random plan's guards; they add to it. */
  readonly script: readonly MeshAction[];
}

export type FullScenarioInput = Partial<Omit<FullScenarioOptions, 'faults'>> & {
  readonly seed: number;
  readonly faults?: Partial<FaultOptions>;
};

export const DEFAULT_FULL_FAULTS: FaultOptions = DEFAULT_MESH_FAULTS;

export const DEFAULT_FULL_SCENARIO: Omit<FullScenarioOptions, 'seed'> = {
  nodes: 5,
  groups: 2,
  messages: 5,
  groupLeaves: 0,
  concurrentJoins: 0.5,
  durationMs: 8000,
  quietMs: 6000,
  // Rescuing a node stranded in a blocked mesh takes a rejoining node's patience (three join
  // timeouts) and a beacon period.
  convergeWithinMs: 4500,
  faults: DEFAULT_FULL_FAULTS,
  joins: 'staggered',
  joinSpreadMs: 1500,
  groupJoinSpreadMs: 1000,
  tickMs: 10,
  mesh: {},
  protocol: {},
  orderings: [DEFAULT_GROUP_ORDERING],
  state: false,
  rejoin: true,
  liveness: true,
  script: [],
};

/** The group names of a run. */
export function groupNames(options: Pick<FullScenarioOptions, 'groups'>): string[] {
  return Array.from({ length: options.groups }, (_, i) => `g${i}`);
}

export function resolveFullScenario(input: FullScenarioInput): FullScenarioOptions {
  const options: FullScenarioOptions = {
    ...DEFAULT_FULL_SCENARIO,
    ...stripUndefined(input),
    seed: input.seed,
    faults: { ...DEFAULT_FULL_FAULTS, ...stripUndefined(input.faults ?? {}) },
  };
  validate(options);
  return options;
}

/** The ordering of group `group` (named g0, g1, ...) in this run. */
export function groupOrderingOf(options: Pick<FullScenarioOptions, 'orderings'>, group: string): GroupOrdering {
  const index = Number(group.slice(1));
  return options.orderings[index % options.orderings.length] ?? DEFAULT_GROUP_ORDERING;
}

export function fullMeshConfigOf(options: FullScenarioOptions): MeshConfig {
  return { ...DEFAULT_MESH_CONFIG, ...options.mesh };
}

export function fullGroupConfigOf(options: FullScenarioOptions): GroupProtocolConfig {
  return { ...DEFAULT_GROUP_PROTOCOL_CONFIG, ...options.protocol };
}

function validate(o: FullScenarioOptions): void {
  const problems: string[] = [];
  const count = (name: string, value: number, min: number): void => {
    if (!Number.isInteger(value) || value < min) problems.push(`${name} must be an integer >= ${min}, got ${value}`);
  };
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) problems.push(`seed must be a non-negative integer, got ${o.seed}`);
  count('nodes', o.nodes, 2);
  count('groups', o.groups, 1);
  count('messages', o.messages, 0);
  count('groupLeaves', o.groupLeaves, 0);
  if (!(o.durationMs > 0) || !(o.quietMs >= 0)) problems.push('durationMs must be > 0 and quietMs >= 0');
  if (!(o.tickMs > 0)) problems.push('tickMs must be > 0');
  if (!(o.joinSpreadMs >= 0) || !(o.groupJoinSpreadMs >= 0)) problems.push('join spreads must be >= 0');
  if (!Object.values(JoinModes).includes(o.joins)) problems.push(`unknown join mode ${String(o.joins)}`);
  if (!(o.concurrentJoins >= 0 && o.concurrentJoins <= 1))
    problems.push(`concurrentJoins must be a probability, got ${o.concurrentJoins}`);
  problems.push(...meshFaultProblems(o.faults, o.nodes, fullMeshConfigOf(o)));
  if (problems.length > 0) throw new RangeError(`invalid full-node scenario: ${problems.join('; ')}`);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
