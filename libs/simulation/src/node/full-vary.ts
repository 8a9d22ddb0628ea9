import { drawOrdering } from '../cli-flags.js';
import { Rng } from '../rng.js';
import type { FaultOptions } from '../scenario.js';
import type { FullScenarioInput } from './full-scenario.js';

/** Fields the caller pins; everything else `variedFullScenario` draws from the seed. */
export type FullVaryOverrides = Partial<Omit<FullScenarioInput, 'seed' | 'faults'>> & {
  readonly faults?: Partial<FaultOptions>;
};

// Not the salt of the group or mesh shapes: seeds of the same number differ in shape across kinds.
const FULL_VARY_SALT = 0x0f11_90de;
const ORDERING_SALT = 0x0dde_0001;

/**
 * A full-node scenario whose shape comes from its seed, with every fault type in reach: 3-9 nodes,
 * 2-3 groups, 0-6 multicasts per member and group, concurrent first joins half of the time or
 * always, loss 0-10 %, duplication 0-5 %, delays up to 1-50 ms, FIFO or reordering links, any mesh
 * join mode, 0-2 each of crashes (half of the time with restarts), pauses, partitions (symmetric
 * or one-way), node leaves and group leaves; each group its own ordering (fifo, causal or total,
 * agreed or safe); half of the runs with state transfer. The result is a plain FullScenarioInput, so a
 * failing one replays with flags.
 */
export function variedFullScenario(seed: number, overrides: FullVaryOverrides = {}): FullScenarioInput {
  const rng = new Rng((seed ^ FULL_VARY_SALT) >>> 0).fork();
  const nodes = rng.range(3, 9);
  const crashes = rng.int(3);
  const leaves = Math.max(0, Math.min(rng.int(3), nodes - 1 - crashes));
  const drawn: Partial<FaultOptions> = {
    loss: rng.int(11) / 100,
    duplicate: rng.int(6) / 100,
    minDelayMs: 1,
    maxDelayMs: rng.pick([1, 5, 20, 50]),
    fifoLinks: rng.chance(0.5),
    crashes,
    restartAfterMs: rng.chance(0.5) ? rng.pick([300, 1000]) : 0,
    leaves,
    pauses: rng.int(3),
    partitions: rng.int(3),
    asymmetric: rng.pick([0, 0.5, 1]),
  };
  const shape: Partial<FullScenarioInput> = {
    nodes,
    groups: rng.range(2, 3),
    messages: rng.int(7),
    groupLeaves: rng.int(3),
    concurrentJoins: rng.pick([0.5, 1]),
    joins: rng.pick(['staggered', 'concurrent-after-first', 'sequential'] as const),
  };
  const orderingRng = new Rng((seed ^ FULL_VARY_SALT ^ ORDERING_SALT) >>> 0).fork();
  const orderings = Array.from({ length: shape.groups! }, () => drawOrdering(orderingRng));
  const state = orderingRng.int(2) === 1;
  return { ...shape, orderings, state, ...overrides, seed, faults: { ...drawn, ...overrides.faults } };
}
