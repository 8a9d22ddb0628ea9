import type { MeshConfig } from '@cohort/core';
import { DEFAULT_MESH_CONFIG } from '@cohort/core';
import type { FaultOptions } from './scenario.js';

/** The faults of a mesh run: the same knobs as a group run's (see FaultOptions). */
export type MeshFaultOptions = FaultOptions;

/**
 * How the nodes after the first start. The first always starts alone and installs view 1 first:
 * the mesh cannot merge two meshes formed concurrently yet.
 */
export const MeshJoinMode = {
  /** The others start at random times spread over joinSpreadMs after the first view. */
  staggered: 'staggered',
  /** The others all start at the same instant, right after the first view. */
  concurrentAfterFirst: 'concurrent-after-first',
  /** Each node starts once the previous one is a member (or gave up). */
  sequential: 'sequential',
} as const;
export type MeshJoinMode = (typeof MeshJoinMode)[keyof typeof MeshJoinMode];

/** A scripted fault at a fixed virtual time, for targeted tests; random faults add to these. */
export type MeshAction =
  | { readonly at: number; readonly kind: 'crash' | 'leave'; readonly node: string }
  | { readonly at: number; readonly kind: 'pause'; readonly node: string; readonly forMs: number }
  /** `oneWay`: only the links from sides[0] to sides[1] are cut. */
  | {
      readonly at: number;
      readonly kind: 'partition';
      readonly sides: readonly [readonly string[], readonly string[]];
      readonly oneWay?: boolean;
    }
  | { readonly at: number; readonly kind: 'heal' };

export interface MeshScenarioOptions {
  readonly seed: number;
  /** Initial nodes, n0..n(nodes-1); restarts and rejoins add incarnations. */
  readonly nodes: number;
  /** The faulty phase, from t = 0 (the joins included). */
  readonly durationMs: number;
  /** Then this long without faults; the survivors must have converged by its end. */
  readonly quietMs: number;
  /** The survivors must converge within this long after the quiet phase starts. */
  readonly convergeWithinMs: number;
  readonly faults: MeshFaultOptions;
  readonly joins: MeshJoinMode;
  readonly joinSpreadMs: number;
  readonly tickMs: number;
  /** Overrides of DEFAULT_MESH_CONFIG. */
  readonly config: Partial<MeshConfig>;
  /** Check liveness and convergence at the end. */
  readonly liveness: boolean;
  readonly script: readonly MeshAction[];
}

export type MeshScenarioInput = Partial<Omit<MeshScenarioOptions, 'faults'>> & {
  readonly seed: number;
  readonly faults?: Partial<MeshFaultOptions>;
};

export const DEFAULT_MESH_FAULTS: MeshFaultOptions = {
  loss: 0.05,
  duplicate: 0.02,
  minDelayMs: 1,
  maxDelayMs: 20,
  fifoLinks: false,
  leaves: 0,
  crashes: 0,
  restartAfterMs: 0,
  pauses: 0,
  pauseMs: 2000,
  partitions: 0,
  partitionMs: 1500,
  asymmetric: 0,
};

export const NO_MESH_FAULTS: MeshFaultOptions = {
  ...DEFAULT_MESH_FAULTS,
  loss: 0,
  duplicate: 0,
  maxDelayMs: 1,
  fifoLinks: true,
};

export const DEFAULT_MESH_SCENARIO: Omit<MeshScenarioOptions, 'seed'> = {
  nodes: 5,
  durationMs: 8000,
  quietMs: 5000,
  convergeWithinMs: 3000,
  faults: DEFAULT_MESH_FAULTS,
  joins: 'staggered',
  joinSpreadMs: 1500,
  tickMs: 10,
  config: {},
  liveness: true,
  script: [],
};

export function resolveMeshScenario(input: MeshScenarioInput): MeshScenarioOptions {
  const options: MeshScenarioOptions = {
    ...DEFAULT_MESH_SCENARIO,
    ...stripUndefined(input),
    seed: input.seed,
    faults: { ...DEFAULT_MESH_FAULTS, ...stripUndefined(input.faults ?? {}) },
  };
  validate(options);
  return options;
}

export function meshConfigOf(options: MeshScenarioOptions): MeshConfig {
  return { ...DEFAULT_MESH_CONFIG, ...options.config };
}

function validate(o: MeshScenarioOptions): void {
  const problems: string[] = [];
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) problems.push(`seed must be a non-negative integer, got ${o.seed}`);
  if (!Number.isInteger(o.nodes) || o.nodes < 1) problems.push(`nodes must be >= 1, got ${o.nodes}`);
  if (!(o.durationMs > 0) || !(o.quietMs >= 0)) problems.push('durationMs must be > 0 and quietMs >= 0');
  if (!(o.tickMs > 0)) problems.push('tickMs must be > 0');
  if (!Object.values(MeshJoinMode).includes(o.joins)) problems.push(`unknown join mode ${String(o.joins)}`);
  problems.push(...meshFaultProblems(o.faults, o.nodes, meshConfigOf(o)));
  if (problems.length > 0) throw new RangeError(`invalid mesh scenario: ${problems.join('; ')}`);
}

/** What is wrong with the faults of a run of `nodes` nodes under `config` (the full-node runs share it). */
export function meshFaultProblems(f: MeshFaultOptions, nodes: number, config: MeshConfig): string[] {
  const problems: string[] = [];
  for (const [name, p] of [
    ['loss', f.loss],
    ['duplicate', f.duplicate],
    ['asymmetric', f.asymmetric],
  ] as const) {
    if (!(p >= 0 && p <= 1)) problems.push(`${name} must be a probability, got ${p}`);
  }
  if (!(f.minDelayMs >= 0) || f.maxDelayMs < f.minDelayMs)
    problems.push(`delay range ${f.minDelayMs}-${f.maxDelayMs} is invalid`);
  if (f.leaves + f.crashes > 0 && f.leaves + f.crashes >= nodes)
    problems.push(`leaves + crashes (${f.leaves + f.crashes}) must leave at least one of ${nodes} nodes`);
  if (f.pauses > 0 && f.pauseMs <= config.suspectAfterMs + config.verifyTimeoutMs)
    problems.push(
      `pauseMs must exceed suspectAfterMs + verifyTimeoutMs (${config.suspectAfterMs + config.verifyTimeoutMs})`,
    );
  return problems;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
