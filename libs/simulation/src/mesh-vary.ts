import { Rng } from './rng.js';
import type { MeshFaultOptions, MeshScenarioInput } from './mesh-scenario.js';

/** Fields the caller pins; everything else `variedMeshScenario` draws from the seed. */
export type MeshVaryOverrides = Partial<Omit<MeshScenarioInput, 'seed' | 'faults'>> & {
  readonly faults?: Partial<MeshFaultOptions>;
};

// Not the salt of variedScenario: a mesh seed and a group seed of the same number differ in shape.
const MESH_VARY_SALT = 0x3e5f_0a11;

/**
 * A mesh scenario whose shape comes from its seed, with every fault type in reach: 3-9 nodes,
 * loss 0-10 %, duplication 0-5 %, delays up to 1-50 ms, FIFO or reordering links, any join mode,
 * 0-2 each of crashes (half of the time with restarts), pauses, partitions (symmetric or one-way)
 * and graceful leaves. The result is a plain MeshScenarioInput: a failing one replays with flags.
 */
export function variedMeshScenario(seed: number, overrides: MeshVaryOverrides = {}): MeshScenarioInput {
  const rng = new Rng((seed ^ MESH_VARY_SALT) >>> 0).fork();
  const nodes = rng.range(3, 9);
  const crashes = rng.int(3);
  const leaves = Math.min(rng.int(3), nodes - 1 - crashes);
  const drawn: Partial<MeshFaultOptions> = {
    loss: rng.int(11) / 100,
    duplicate: rng.int(6) / 100,
    minDelayMs: 1,
    maxDelayMs: rng.pick([1, 5, 20, 50]),
    fifoLinks: rng.chance(0.5),
    crashes,
    restartAfterMs: rng.chance(0.5) ? rng.pick([300, 1000]) : 0,
    leaves: Math.max(0, leaves),
    pauses: rng.int(3),
    partitions: rng.int(3),
    asymmetric: rng.pick([0, 0.5, 1]),
  };
  const joins = rng.pick(['staggered', 'concurrent-after-first', 'sequential'] as const);
  return { nodes, joins, ...overrides, seed, faults: { ...drawn, ...overrides.faults } };
}
