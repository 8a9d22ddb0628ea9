import type { GroupOrdering, GroupProtocolConfig } from '@cohort/core';
import { DEFAULT_GROUP_ORDERING } from '@cohort/core';

/** What goes wrong during the faulty phase of a run. Everything is switched off for the quiet phase. */
export interface FaultOptions {
  /** Per-copy loss probability. */
  readonly loss: number;
  /** Per-copy duplication probability. */
  readonly duplicate: number;
  /** Per-copy delay, uniform in [minDelayMs, maxDelayMs]. */
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** Keep per-link order (NATS per-publisher order); false lets copies overtake each other. */
  readonly fifoLinks: boolean;
  /** Graceful leaves of distinct random nodes, late in the run. */
  readonly leaves: number;
  /**
   * Crashes of random nodes. There is no failure detection yet, so a crashed member stays in the
   * view and blocks the next view change: liveness is not checked in runs with crashes.
   */
  readonly crashes: number;
  /** A crashed node comes back this long after, as a new process with a new id; 0 = never. */
  readonly restartAfterMs: number;
  /** Pauses of random nodes (stale state on resume), each lasting up to pauseMs. */
  readonly pauses: number;
  readonly pauseMs: number;
  /** Partitions, each lasting up to partitionMs, healed at the latest when the quiet phase starts. */
  readonly partitions: number;
  readonly partitionMs: number;
  /** Probability that a partition is one-way (a set of blocked directed links) instead of symmetric. */
  readonly asymmetric: number;
}

/** How nodes join: all but the first wait for the first one's view, so that no two singletons form. */
export const JoinMode = {
  /** The first node forms its view alone, then all the others start within joinSpreadMs. */
  afterFirst: 'after-first',
  /** Each node starts once the previous one has a view. */
  sequential: 'sequential',
} as const;
export type JoinMode = (typeof JoinMode)[keyof typeof JoinMode];

export interface ScenarioOptions {
  readonly seed: number;
  readonly nodes: number;
  readonly messagesPerNode: number;
  /** The faulty phase, from t = 0 (the joins included). Multicasts, leaves and faults happen in it. */
  readonly durationMs: number;
  /** Then this long without any fault or new request, after which the run must have converged. */
  readonly quietMs: number;
  readonly faults: FaultOptions;
  readonly joins: JoinMode;
  readonly joinSpreadMs: number;
  /** Every node ticks this often (virtual), with a random phase. */
  readonly tickMs: number;
  readonly group: string;
  /** Overrides of DEFAULT_GROUP_PROTOCOL_CONFIG. */
  readonly protocol: Partial<GroupProtocolConfig>;
  /** The group's ordering and delivery mode, the same at every member. */
  readonly ordering: GroupOrdering;
  /** The group transfers its state (each node's replicated log) to joiners. */
  readonly state: boolean;
  /** Check liveness at the end; 'auto' = unless nodes crash (nothing detects a crash yet). */
  readonly liveness: boolean | 'auto';
}

/** Anything not given is taken from the defaults; `faults` merges field by field. */
export type ScenarioInput = Partial<Omit<ScenarioOptions, 'faults'>> & {
  readonly seed: number;
  readonly faults?: Partial<FaultOptions>;
};

export const DEFAULT_FAULTS: FaultOptions = {
  loss: 0.05,
  duplicate: 0.02,
  minDelayMs: 1,
  maxDelayMs: 20,
  fifoLinks: false,
  leaves: 1,
  crashes: 0,
  restartAfterMs: 0,
  pauses: 0,
  pauseMs: 500,
  partitions: 0,
  partitionMs: 500,
  asymmetric: 0,
};

export const NO_FAULT_OPTIONS: FaultOptions = {
  ...DEFAULT_FAULTS,
  loss: 0,
  duplicate: 0,
  minDelayMs: 1,
  maxDelayMs: 1,
  fifoLinks: true,
  leaves: 0,
};

export const DEFAULT_SCENARIO: Omit<ScenarioOptions, 'seed'> = {
  nodes: 4,
  messagesPerNode: 20,
  durationMs: 4000,
  quietMs: 3000,
  faults: DEFAULT_FAULTS,
  joins: 'after-first',
  ordering: DEFAULT_GROUP_ORDERING,
  state: false,
  joinSpreadMs: 300,
  tickMs: 10,
  group: 'sim',
  protocol: {},
  liveness: 'auto',
};

export function resolveScenario(input: ScenarioInput): ScenarioOptions {
  const options: ScenarioOptions = {
    ...DEFAULT_SCENARIO,
    ...stripUndefined(input),
    seed: input.seed,
    faults: { ...DEFAULT_FAULTS, ...stripUndefined(input.faults ?? {}) },
  };
  validate(options);
  return options;
}

export function livenessExpected(options: ScenarioOptions): boolean {
  return options.liveness === 'auto' ? options.faults.crashes === 0 : options.liveness;
}

function validate(o: ScenarioOptions): void {
  const problems: string[] = [];
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) problems.push(`seed must be a non-negative integer, got ${o.seed}`);
  if (!Number.isInteger(o.nodes) || o.nodes < 1) problems.push(`nodes must be >= 1, got ${o.nodes}`);
  if (!Number.isInteger(o.messagesPerNode) || o.messagesPerNode < 0) problems.push(`messagesPerNode must be >= 0`);
  if (!(o.durationMs > 0) || !(o.quietMs >= 0)) problems.push('durationMs must be > 0 and quietMs >= 0');
  if (!(o.tickMs > 0)) problems.push('tickMs must be > 0');
  const f = o.faults;
  for (const [name, p] of [
    ['loss', f.loss],
    ['duplicate', f.duplicate],
    ['asymmetric', f.asymmetric],
  ] as const) {
    if (!(p >= 0 && p <= 1)) problems.push(`${name} must be a probability, got ${p}`);
  }
  if (!(f.minDelayMs >= 0) || f.maxDelayMs < f.minDelayMs)
    problems.push(`delay range ${f.minDelayMs}-${f.maxDelayMs} is invalid`);
  if (f.leaves + f.crashes >= o.nodes && f.leaves + f.crashes > 0) {
    problems.push(`leaves + crashes (${f.leaves + f.crashes}) must leave at least one of ${o.nodes} nodes`);
  }
  if (problems.length > 0) throw new RangeError(`invalid scenario: ${problems.join('; ')}`);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
