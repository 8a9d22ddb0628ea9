import type { SimClock } from '../clock.js';
import type { Rng } from '../rng.js';
import type { SimFullNode } from './full-node.js';
import type { FullScenarioOptions } from './full-scenario.js';
import { groupNames } from './full-scenario.js';

/** One initial node's join of one group, at a virtual time. */
export interface GroupJoin {
  readonly group: string;
  readonly node: string;
  readonly at: number;
}

/**
 * Who joins which group, and when: each group gets a random subset of at least two of the initial
 * nodes. The joins of one group start at a random time after n0 can have formed the mesh and are
 * spread over groupJoinSpreadMs; with probability concurrentJoins a joiner takes the time of the
 * group's previous joiner, so that first joins race each other at the root's directory. A node
 * may not be in the mesh yet at its time: its NodeMachine then asks the directory once it is.
 */
export function drawGroupJoins(options: FullScenarioOptions, meshJoinTimeoutMs: number, rng: Rng): GroupJoin[] {
  const ids = Array.from({ length: options.nodes }, (_, i) => `n${i}`);
  const joins: GroupJoin[] = [];
  for (const group of groupNames(options)) {
    const members = rng.shuffle(ids).slice(0, rng.range(2, ids.length));
    const base = meshJoinTimeoutMs + rng.int(options.joinSpreadMs + 1);
    let previous: number | undefined;
    for (const node of members) {
      const at =
        previous !== undefined && rng.chance(options.concurrentJoins)
          ? previous
          : base + rng.int(options.groupJoinSpreadMs + 1);
      joins.push({ group, node, at });
      previous = at;
    }
  }
  return joins;
}

/**
 * The application load of one member of one group: `count` multicasts at uniformly random
 * virtual times between now and `until` (none if that is past). Every member's load overlaps the
 * others' and the view changes, so multicasts race flushes in every group.
 */
export function scheduleMulticasts(
  clock: SimClock,
  rng: Rng,
  node: SimFullNode,
  group: string,
  count: number,
  until: number,
): void {
  const from = Math.floor(clock.now);
  if (from >= until) return;
  const times = Array.from({ length: count }, () => rng.range(from, Math.floor(until))).sort((a, b) => a - b);
  for (const at of times) clock.at(at, 'multicast', () => node.multicast(group));
}
