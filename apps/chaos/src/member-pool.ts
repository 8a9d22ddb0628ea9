import { GROUP_NODE_FIXTURE, Traffic, spawnNode } from '@cohort/nats-harness';
import type { GroupMode, NatsClusterProcess, NodeProcess } from '@cohort/nats-harness';
import { serverOfSlot } from './schedule.js';

// The member processes of one run, by slot. A slot (m1, m2, ...) is a place in the group: a killed
// member's replacement takes its slot, so that the schedule can name targets before the run (by
// slot) while process ids are only known once the processes run. Every process ever spawned is
// kept, for its history.

export const GROUP = 'chaos';

export interface WorkloadSettings {
  readonly mode: GroupMode;
  /** The fixture multicasts at most every sendEveryMs ... */
  readonly sendEveryMs: number;
  /** ... with at most this many unacknowledged (far below the send window: see the fixture). */
  readonly maxInFlight: number;
  /** MEM lines this often. */
  readonly memEveryMs: number;
}

interface Slot {
  readonly name: string;
  /** Processes that filled the slot, oldest first; the last is the current one. */
  readonly processes: NodeProcess[];
}

export class MemberPool {
  /** Every process spawned, in spawn order. */
  readonly processes: NodeProcess[] = [];
  /** Processes this run SIGKILLed: their histories end with a crash. */
  readonly crashed = new Set<NodeProcess>();
  /** Members put in slow mode and not yet back to normal. */
  readonly slow = new Set<NodeProcess>();
  readonly traffic = new Traffic([], GROUP);
  readonly #slots = new Map<string, Slot>();
  readonly #slotOf = new Map<NodeProcess, string>();

  constructor(
    private readonly cluster: NatsClusterProcess,
    private readonly namespace: string,
    private readonly workload: WorkloadSettings,
  ) {}

  /** Spawns a process into `slot` (a new slot, or one whose process was killed) and follows it. */
  async spawn(slot: string): Promise<NodeProcess> {
    const entry = this.#slots.get(slot) ?? { name: slot, processes: [] };
    const current = entry.processes.at(-1);
    if (current !== undefined && current.proc.running) throw new Error(`slot ${slot} still has ${current.name}`);
    this.#slots.set(slot, entry);
    const generation = entry.processes.length + 1;
    const { mode, sendEveryMs, maxInFlight, memEveryMs } = this.workload;
    const node = await spawnNode({
      fixture: GROUP_NODE_FIXTURE,
      name: generation === 1 ? slot : `${slot}-${generation}`,
      groups: [GROUP],
      stdin: true,
      env: {
        NATS_URL: this.cluster.urls[serverOfSlot(slot, this.cluster.urls.length)],
        COHORT_NAMESPACE: this.namespace,
        ORDERING: mode.ordering,
        DELIVERY: mode.delivery,
        SEND_EVERY_MS: String(sendEveryMs),
        MAX_IN_FLIGHT: String(maxInFlight),
        MEM_EVERY_MS: String(memEveryMs),
      },
    });
    entry.processes.push(node);
    this.#slotOf.set(node, slot);
    this.processes.push(node);
    this.traffic.add(node);
    return node;
  }

  /** The slot's current process, if it runs. */
  member(slot: string): NodeProcess | undefined {
    const node = this.#slots.get(slot)?.processes.at(-1);
    return node?.proc.running ? node : undefined;
  }

  slotOf(node: NodeProcess): string {
    const slot = this.#slotOf.get(node);
    if (slot === undefined) throw new Error(`${node.name} is not in the pool`);
    return slot;
  }

  /** The current process of every slot that has a running one. */
  live(): NodeProcess[] {
    return [...this.#slots.keys()].map((s) => this.member(s)).filter((n): n is NodeProcess => n !== undefined);
  }

  /** SIGKILL: the process is gone at once, its history ends with a crash. */
  async kill(node: NodeProcess): Promise<void> {
    this.crashed.add(node);
    this.slow.delete(node);
    await node.proc.kill('SIGKILL');
  }

  /** Turns the fixture's slow-consumer mode on: stalls in bursts (SLOW), or deaf (see group-node.mjs). */
  startSlow(node: NodeProcess, mode: { slow?: 'stall' | 'deaf'; blockMs?: number; periodMs?: number }): void {
    node.proc.writeLine(mode.slow === 'deaf' ? 'DEAF' : `SLOW ${mode.blockMs} ${mode.periodMs}`);
    this.slow.add(node);
  }

  stopSlow(node: NodeProcess): void {
    if (!this.slow.delete(node) || !node.proc.running) return;
    node.proc.writeLine('FAST');
  }

  /**
   * The running process that the group's newest view (among those the live members installed)
   * names as coordinator. Throws if no live member has a view or its coordinator is not running.
   */
  coordinator(): NodeProcess {
    const live = this.live();
    const views = live.map((n) => this.traffic.view(n)).filter((v) => v !== undefined);
    const newest = views.reduce((a, b) => (b.id > a.id ? b : a), views[0]!);
    if (newest === undefined) throw new Error('no live member has installed a view of the group');
    const node = live.find((n) => this.traffic.self(n) === newest.coordinator);
    if (node === undefined) {
      throw new Error(`the coordinator ${newest.coordinator} of view ${newest.id} is not a live member`);
    }
    return node;
  }

  /** One line per live member, for errors and --verbose. */
  describe(): string {
    return this.traffic.describe();
  }

  /** SIGKILLs every process still running (the end of a run, or an abort). */
  async killAll(): Promise<void> {
    await Promise.all(this.processes.map((n) => n.proc.kill('SIGKILL')));
  }
}
