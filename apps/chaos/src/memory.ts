import { clearInterval, setInterval, setTimeout } from 'node:timers';
import type { NatsClusterProcess, NodeProcess } from '@cohort/nats-harness';

// Resident memory of the member processes, from the fixture's MEM lines (one a second), and of
// the nats-servers (where a member that does not read has its backlog), from /varz; and the
// criterion that flags unbounded growth. Only processes that lived through the whole measurement
// can be judged: one spawned late has no minute-1 figure.

const MIB = 1024 * 1024;
/** When the reference figure is taken: after start-up and JIT warm-up, with traffic flowing. */
export const REFERENCE_AT_MS = 60_000;
/** Growth past `end > GROWTH_FACTOR × rss(1 min) + GROWTH_SLACK_MIB` is flagged as unbounded. */
export const GROWTH_FACTOR = 1.5;
export const GROWTH_SLACK_MIB = 50;

interface MemLine {
  t: number;
  rss: number;
  heapUsed: number;
}

export interface MemoryFigures {
  readonly member: string;
  readonly samples: number;
  /** MiB; undefined when the process printed no sample then. */
  readonly rssFirst?: number;
  readonly rssAt1Min?: number;
  readonly rssEnd?: number;
  readonly rssMax?: number;
  readonly heapEnd?: number;
  readonly heapMax?: number;
  /** Judged only for processes with a minute-1 figure that ran to the end. */
  readonly unboundedGrowth?: boolean;
}

const mib = (bytes: number): number => Math.round((bytes / MIB) * 10) / 10;

/** Figures per process; `startedAt` is when the workload started (minute 1 counts from there). */
export function memoryFigures(processes: readonly NodeProcess[], startedAt: number): MemoryFigures[] {
  return processes.map((node) => figures(node.name, node.records<MemLine>('MEM'), startedAt, node.proc.running));
}

function figures(member: string, samples: readonly MemLine[], startedAt: number, lastedToEnd: boolean): MemoryFigures {
  if (samples.length === 0) return { member, samples: 0 };
  const at1 = samples.find((s) => s.t >= startedAt + REFERENCE_AT_MS);
  const last = samples.at(-1)!;
  const rssMax = Math.max(...samples.map((s) => s.rss));
  const heapMax = Math.max(...samples.map((s) => s.heapUsed));
  const judged = at1 !== undefined && at1 !== last && lastedToEnd;
  return {
    member,
    samples: samples.length,
    rssFirst: mib(samples[0]!.rss),
    ...(at1 === undefined ? {} : { rssAt1Min: mib(at1.rss) }),
    rssEnd: mib(last.rss),
    rssMax: mib(rssMax),
    heapEnd: mib(last.heapUsed),
    heapMax: mib(heapMax),
    ...(judged ? { unboundedGrowth: last.rss > GROWTH_FACTOR * at1.rss + GROWTH_SLACK_MIB * MIB } : {}),
  };
}

/**
 * Samples every server's /varz every `everyMs` (mem, and slow_consumers: how often the server cut
 * a client off for not reading) until stopped. A server that is down is skipped.
 */
export class ServerSampler {
  readonly #samples = new Map<string, MemLine[]>();
  readonly #slowConsumers = new Map<string, number>();
  readonly #timer: ReturnType<typeof setInterval>;
  #busy = false;

  constructor(
    private readonly cluster: NatsClusterProcess,
    everyMs = 5_000,
  ) {
    this.#timer = setInterval(() => void this.sample(), everyMs);
  }

  private async sample(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      await Promise.all(
        this.cluster.servers.map(async (server, i) => {
          if (!server.running || server.paused) return;
          const varz = await server.varz().catch(() => undefined);
          if (varz === undefined) return;
          // Named as the schedule names servers.
          const name = `nats-${i + 1}`;
          const list = this.#samples.get(name) ?? [];
          list.push({ t: Date.now(), rss: varz.mem, heapUsed: 0 });
          this.#samples.set(name, list);
          this.#slowConsumers.set(name, varz.slow_consumers);
        }),
      );
    } finally {
      this.#busy = false;
    }
  }

  /** Takes a last sample and stops. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    while (this.#busy) await new Promise((resolve) => setTimeout(resolve, 10));
    await this.sample();
  }

  figures(startedAt: number): MemoryFigures[] {
    return [...this.#samples].map(([name, samples]) => {
      const f = figures(name, samples, startedAt, true);
      return { ...f, heapEnd: undefined, heapMax: undefined };
    });
  }

  /** Slow-consumer cut-offs per server, as the servers last reported them. */
  slowConsumers(): Record<string, number> {
    return Object.fromEntries(this.#slowConsumers);
  }
}

export const GROWTH_CRITERION =
  `RSS at the end > ${GROWTH_FACTOR} × RSS at minute 1 + ${GROWTH_SLACK_MIB} MiB ` +
  `(judged for members that ran from before minute 1 to the end)`;
