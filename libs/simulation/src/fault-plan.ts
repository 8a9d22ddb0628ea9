import type { SimClock } from './clock.js';
import type { SimNetwork } from './network.js';
import type { Rng } from './rng.js';
import type { ScenarioOptions } from './scenario.js';
import type { SimNode } from './sim-node.js';

/** What the fault plan acts on; the simulator provides it. */
export interface FaultHost {
  readonly clock: SimClock;
  readonly network: SimNetwork;
  readonly options: ScenarioOptions;
  node(id: string): SimNode | undefined;
  /** Started, not crashed, not left: the processes a fault can hit. */
  runningNodes(): SimNode[];
  /** Every node has started, and every running one has installed a view: nobody is joining. */
  settled(): boolean;
  restart(crashed: SimNode): void;
  note(line: string): void;
}

/**
 * Schedules the scenario's discrete faults: leaves, crashes, pauses and partitions. Who is hit is
 * drawn when the fault fires (from the plan's own RNG stream), so the choice sees the run as it
 * is then. Pauses and partitions wait until nobody is joining: a joiner cut off for longer than
 * joinTimeoutMs forms a view of its own, and merging views is not implemented yet.
 */
export function scheduleFaults(host: FaultHost, rng: Rng, initialIds: readonly string[]): void {
  const { faults, durationMs } = host.options;
  const within = (from: number, to: number): number =>
    rng.range(Math.floor(durationMs * from), Math.floor(durationMs * to));
  const victims = rng.shuffle(initialIds);

  for (const id of victims.slice(0, faults.leaves)) {
    host.clock.at(within(0.6, 0.9), 'leave', () => {
      const node = host.node(id);
      if (node?.state !== 'running') return;
      host.note(`${id} leaves`);
      node.leave();
    });
  }
  for (const id of victims.slice(faults.leaves, faults.leaves + faults.crashes)) {
    host.clock.at(within(0.3, 0.9), 'crash', () => {
      const node = host.node(id);
      if (node === undefined || !node.alive) return;
      host.note(`${id} crashes`);
      node.crash();
      if (faults.restartAfterMs > 0) host.clock.after(faults.restartAfterMs, 'restart', () => host.restart(node));
    });
  }
  for (let i = 0; i < faults.pauses; i++) {
    const length = rng.range(Math.max(1, Math.floor(faults.pauseMs / 4)), Math.max(1, faults.pauseMs));
    whenSettled(host, within(0.2, 0.8), 'pause', () => {
      const candidates = host.runningNodes().filter((n) => n.state === 'running');
      if (candidates.length === 0) return;
      const node = rng.pick(candidates);
      host.note(`${node.id} pauses for ${length} ms`);
      node.pause();
      host.clock.at(Math.min(host.clock.now + length, durationMs), 'resume', () => node.resume());
    });
  }
  for (let i = 0; i < faults.partitions; i++) {
    const length = rng.range(Math.max(1, Math.floor(faults.partitionMs / 4)), Math.max(1, faults.partitionMs));
    const oneWay = rng.chance(faults.asymmetric);
    whenSettled(host, within(0.2, 0.8), 'partition', () => {
      const ids = rng.shuffle(host.runningNodes().map((n) => n.id));
      if (ids.length < 2) return;
      const side = ids.slice(0, 1 + rng.int(Math.floor(ids.length / 2)));
      const rest = ids.slice(side.length);
      const links: Array<[string, string]> = [];
      for (const a of side) {
        for (const b of rest) {
          links.push([a, b]);
          if (!oneWay) links.push([b, a]);
        }
      }
      host.note(
        `partition ${oneWay ? 'one-way ' : ''}[${side.join(',')}] ${oneWay ? '->' : '|'} [${rest.join(',')}] for ${length} ms`,
      );
      for (const [from, to] of links) host.network.block(from, to);
      host.clock.at(Math.min(host.clock.now + length, durationMs), 'heal', () => {
        for (const [from, to] of links) host.network.unblock(from, to);
      });
    });
  }
}

/** Fires `run` at `at`, or as soon after as nobody is joining, but not after 80% of the faulty phase. */
function whenSettled(host: FaultHost, at: number, label: string, run: () => void): void {
  const deadline = host.options.durationMs * 0.8;
  const attempt = (): void => {
    if (host.settled()) return run();
    if (host.clock.now + 50 <= deadline) host.clock.after(50, label, attempt);
  };
  host.clock.at(at, label, attempt);
}
