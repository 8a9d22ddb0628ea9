import type { MeshConfig, MeshStatus, View } from '@cohort/core';
import type { SimClock } from './clock.js';
import type { MeshNodeState, SimMeshNode } from './mesh-node.js';
import type { MeshAction, MeshScenarioOptions } from './mesh-scenario.js';
import type { SimNetwork } from './network.js';
import type { Rng } from './rng.js';

/** What the plan needs of a node: a SimMeshNode, or a full node (mesh and groups) seen as its mesh side. */
export interface MeshFaultTarget {
  readonly id: string;
  readonly state: MeshNodeState;
  readonly status: MeshStatus | undefined;
  readonly alive: boolean;
  /** leave() was called: the node is on its way out. */
  readonly leaving: boolean;
  leave(): void;
  crash(): void;
  pause(): void;
  resume(): void;
}

/** What the mesh fault plan acts on; the mesh simulator (or the full-node one) provides it. */
export interface MeshFaultHost<N extends MeshFaultTarget = SimMeshNode> {
  readonly clock: SimClock;
  readonly network: SimNetwork;
  readonly options: Pick<MeshScenarioOptions, 'faults' | 'durationMs'>;
  readonly config: MeshConfig;
  node(id: string): N | undefined;
  /** Every incarnation started so far, in start order. */
  started(): readonly N[];
  /** The view with the highest id any node installed. */
  newestView(): View | undefined;
  /** Every initial node has started and no running node is still joining. */
  settled(): boolean;
  /** Every live node is a running member of one view of exactly the live nodes. */
  converged(): boolean;
  restart(crashed: N): void;
  note(line: string): void;
}

const RETRY_MS = 50;

/**
 * Schedules the random faults of the faulty phase. Who is hit is drawn when the fault fires (from
 * the plan's own stream), so the choice sees the run as it is then. Guards keep the run inside
 * what the mesh can survive, so that a failure is the protocol's and not the plan's:
 *  - pauses and partitions wait until nobody is joining (a joiner that hears no member for
 *    joinTimeoutMs forms a mesh of its own, and meshes do not merge yet);
 *  - a crash waits until the mesh is converged (everybody running, one view of exactly the live
 *    nodes) of at least 3 members. A view that loses half of its members for good can never
 *    change again (primary partition), and a crash during a view change can do just that: the
 *    coordinator's accepted proposal, which dropped a paused member, may be the one Paxos must
 *    commit, and it still lists the crashed coordinator.
 */
export function scheduleMeshFaults<N extends MeshFaultTarget>(host: MeshFaultHost<N>, rng: Rng): void {
  const { faults, durationMs } = host.options;
  const within = (from: number, to: number): number =>
    rng.range(Math.floor(durationMs * from), Math.floor(durationMs * to));
  // Staying members: running members of the newest view that are not on their way out (a
  // leaving node hands over before it is 'left'). A node in a stale view does not count: if the
  // last member of the newest view left, nobody could ever tell the stale one it was removed.
  const members = (): N[] => {
    const newest = host.newestView();
    return host
      .started()
      .filter(
        (n) =>
          n.state === 'running' &&
          !n.leaving &&
          (n.status === 'member' || n.status === 'blocked') &&
          newest?.members.includes(n.id) === true,
      );
  };

  for (let i = 0; i < faults.leaves; i++) {
    retrying(host, within(0.4, 0.85), 'leave', () => {
      const candidates = members();
      if (candidates.length < 2) return false;
      const node = rng.pick(candidates);
      host.note(`${node.id} leaves`);
      node.leave();
      return true;
    });
  }
  for (let i = 0; i < faults.crashes; i++) {
    retrying(host, within(0.3, 0.85), 'crash', () => {
      const view = host.newestView();
      if (view === undefined || view.members.length < 3 || !host.converged()) return false;
      const node = host.node(rng.pick(view.members))!;
      host.note(`${node.id} crashes`);
      node.crash();
      if (faults.restartAfterMs > 0) host.clock.after(faults.restartAfterMs, 'restart', () => host.restart(node));
      return true;
    });
  }
  const minPause = host.config.suspectAfterMs + host.config.verifyTimeoutMs + host.config.heartbeatMs;
  for (let i = 0; i < faults.pauses; i++) {
    const length = rng.range(Math.min(minPause, faults.pauseMs), faults.pauseMs);
    retrying(host, within(0.2, 0.7), 'pause', () => {
      if (!host.settled()) return false;
      const candidates = members();
      if (candidates.length < 2) return false;
      const node = rng.pick(candidates);
      host.note(`${node.id} pauses for ${length} ms`);
      node.pause();
      host.clock.after(length, 'resume', () => {
        if (node.state === 'paused') host.note(`${node.id} resumes`);
        node.resume();
      });
      return true;
    });
  }
  for (let i = 0; i < faults.partitions; i++) {
    const length = rng.range(Math.max(1, Math.floor(faults.partitionMs / 4)), Math.max(1, faults.partitionMs));
    const oneWay = rng.chance(faults.asymmetric);
    retrying(host, within(0.2, 0.7), 'partition', () => {
      if (!host.settled()) return false;
      const ids = rng.shuffle(
        host
          .started()
          .filter((n) => n.alive)
          .map((n) => n.id),
      );
      if (ids.length < 2) return false;
      const side = ids.slice(0, 1 + rng.int(Math.floor(ids.length / 2)));
      partition(host, { at: host.clock.now, kind: 'partition', sides: [side, ids.slice(side.length)], oneWay });
      // Healed before the quiet phase at the latest (the quiet phase heals everything anyway).
      host.clock.at(Math.min(host.clock.now + length, durationMs), 'heal', () => heal(host, links(side, ids, oneWay)));
      return true;
    });
  }
}

/** Runs the scenario's scripted actions at their exact times, without any guard. */
export function scheduleMeshScript<N extends MeshFaultTarget>(
  host: MeshFaultHost<N>,
  script: readonly MeshAction[],
): void {
  for (const action of script) {
    host.clock.at(action.at, action.kind, () => {
      switch (action.kind) {
        case 'crash':
        case 'leave':
        case 'pause': {
          const node = host.node(action.node);
          if (node === undefined || !node.alive) return host.note(`(${action.kind} of ${action.node}: not running)`);
          host.note(`${node.id} ${action.kind === 'pause' ? `pauses for ${action.forMs} ms` : `${action.kind}s`}`);
          if (action.kind === 'leave') return node.leave();
          if (action.kind === 'crash') {
            node.crash();
            const restartAfter = host.options.faults.restartAfterMs;
            if (restartAfter > 0) host.clock.after(restartAfter, 'restart', () => host.restart(node));
            return;
          }
          if (action.kind !== 'pause') return;
          node.pause();
          host.clock.after(action.forMs, 'resume', () => {
            if (node.state === 'paused') host.note(`${node.id} resumes`);
            node.resume();
          });
          return;
        }
        case 'partition':
          return partition(host, action);
        case 'heal':
          host.note('partitions heal');
          return host.network.heal();
      }
    });
  }
}

function partition<N extends MeshFaultTarget>(
  host: MeshFaultHost<N>,
  action: Extract<MeshAction, { kind: 'partition' }>,
): void {
  const [a, b] = action.sides;
  const oneWay = action.oneWay === true;
  host.note(`partition ${oneWay ? 'one-way ' : ''}[${a.join(',')}] ${oneWay ? '->' : '|'} [${b.join(',')}]`);
  for (const [from, to] of links(a, [...a, ...b], oneWay)) host.network.block(from, to);
}

function heal<N extends MeshFaultTarget>(host: MeshFaultHost<N>, cut: ReadonlyArray<readonly [string, string]>): void {
  host.note('partition heals');
  for (const [from, to] of cut) host.network.unblock(from, to);
}

/** The directed links between `side` and the rest of `all`: outgoing only if one-way. */
function links(side: readonly string[], all: readonly string[], oneWay: boolean): Array<[string, string]> {
  const rest = all.filter((id) => !side.includes(id));
  const out: Array<[string, string]> = [];
  for (const a of side) {
    for (const b of rest) {
      out.push([a, b]);
      if (!oneWay) out.push([b, a]);
    }
  }
  return out;
}

/** Fires `run` at `at`, then every RETRY_MS until it returns true, up to 90% of the faulty phase. */
export function retrying<N extends MeshFaultTarget>(
  host: MeshFaultHost<N>,
  at: number,
  label: string,
  run: () => boolean,
): void {
  const deadline = host.options.durationMs * 0.9;
  const attempt = (): void => {
    if (run()) return;
    if (host.clock.now + RETRY_MS <= deadline) host.clock.after(RETRY_MS, label, attempt);
    else host.note(`(${label} skipped: its guard never held)`);
  };
  host.clock.at(at, label, attempt);
}
