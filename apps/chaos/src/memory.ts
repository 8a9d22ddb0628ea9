import type { NodeProcess } from '@cohort/nats-harness';

// Resident memory of the member processes, from the fixture's MEM lines (one a second), and the
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
  return processes.map((node) => {
    const samples = node.records<MemLine>('MEM');
    if (samples.length === 0) return { member: node.name, samples: 0 };
    const at1 = samples.find((s) => s.t >= startedAt + REFERENCE_AT_MS);
    const last = samples.at(-1)!;
    const rssMax = Math.max(...samples.map((s) => s.rss));
    const heapMax = Math.max(...samples.map((s) => s.heapUsed));
    const judged = at1 !== undefined && at1 !== last && node.proc.running;
    return {
      member: node.name,
      samples: samples.length,
      rssFirst: mib(samples[0]!.rss),
      ...(at1 === undefined ? {} : { rssAt1Min: mib(at1.rss) }),
      rssEnd: mib(last.rss),
      rssMax: mib(rssMax),
      heapEnd: mib(last.heapUsed),
      heapMax: mib(heapMax),
      ...(judged ? { unboundedGrowth: last.rss > GROWTH_FACTOR * at1.rss + GROWTH_SLACK_MIB * MIB } : {}),
    };
  });
}

export const GROWTH_CRITERION =
  `RSS at the end > ${GROWTH_FACTOR} × RSS at minute 1 + ${GROWTH_SLACK_MIB} MiB ` +
  `(judged for members that ran from before minute 1 to the end)`;
