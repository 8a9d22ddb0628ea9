import type { SimClock } from './clock.js';
import { msgIdOf } from './payload.js';
import type { Rng } from './rng.js';
import type { SimNode } from './sim-node.js';

/**
 * The application load of one node: `count` multicasts at uniformly random virtual times between
 * now and `until`. All nodes' loads overlap, so multicasts race each other and the view changes
 * (a multicast during a flush is queued by the machine until the next view). msgIds are numbered
 * in issue order, so `n1:3` is n1's third multicast call.
 */
export function scheduleWorkload(clock: SimClock, rng: Rng, node: SimNode, count: number, until: number): void {
  const times: number[] = [];
  for (let i = 0; i < count; i++)
    times.push(rng.range(Math.floor(clock.now), Math.max(Math.floor(clock.now), Math.floor(until))));
  times.sort((a, b) => a - b);
  let issued = 0;
  for (const at of times) clock.at(at, 'multicast', () => node.multicast(msgIdOf(node.id, ++issued)));
}
