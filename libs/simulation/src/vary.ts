import { drawOrdering } from './cli-flags.js';
import { Rng } from './rng.js';
import type { FaultOptions, ScenarioInput } from './scenario.js';

/** Fields the caller pins; everything else `variedScenario` draws from the seed. */
export type VaryOverrides = Partial<Omit<ScenarioInput, 'seed' | 'faults'>> & {
  readonly faults?: Partial<FaultOptions>;
};

// Salt, so that the parameters are not drawn from the same stream as the run they parameterise.
const VARY_SALT = 0x7a11_5eed;
const ORDERING_SALT = 0x0dde_0001;

/**
 * A scenario whose shape comes from its seed: 3-5 nodes, 10-30 multicasts each, loss 0-10 %,
 * duplication 0-5 %, delays up to 1-50 ms, FIFO or reordering links, either join mode, sometimes a
 * pause or a partition, any ordering (fifo, causal, total; agreed or safe). Sweeping seeds thus sweeps shapes too. `overrides` pin fields; the result
 * is an ordinary ScenarioInput, so a failing one replays with plain flags (no --vary needed).
 */
export function variedScenario(seed: number, overrides: VaryOverrides = {}): ScenarioInput {
  const rng = new Rng((seed ^ VARY_SALT) >>> 0).fork();
  const drawn: Partial<FaultOptions> = {
    loss: rng.int(11) / 100,
    duplicate: rng.int(6) / 100,
    minDelayMs: 1,
    maxDelayMs: rng.pick([1, 5, 20, 50]),
    fifoLinks: rng.chance(0.5),
    leaves: rng.chance(0.5) ? 1 : 0,
    pauses: rng.chance(0.25) ? 1 : 0,
    partitions: rng.chance(0.25) ? 1 : 0,
    asymmetric: rng.chance(0.5) ? 1 : 0,
  };
  const nodes = rng.range(3, 5);
  const messagesPerNode = rng.range(10, 30);
  const joins = rng.chance(0.3) ? 'sequential' : 'after-first';
  const orderingRng = new Rng((seed ^ VARY_SALT ^ ORDERING_SALT) >>> 0).fork();
  const ordering = drawOrdering(orderingRng);
  const state = orderingRng.int(2) === 1;
  return {
    nodes,
    messagesPerNode,
    joins,
    ordering,
    state,
    ...overrides,
    seed,
    faults: { ...drawn, ...overrides.faults },
  };
}
