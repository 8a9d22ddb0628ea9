import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { DeliveryMode, Ordering } from '@cohort/checkers';
import { parseSchedule } from './schedule.js';
import type { Schedule, SlowMode } from './schedule.js';

// `npm run chaos -- [flags]`: parses the flags into the runner's options, and builds the command
// that reproduces a run.

export const USAGE = `usage: npm run chaos -- [--seed N] [--duration S] [--ordering total|causal|fifo] [--delivery agreed|safe]
                        [--long [--slow deaf|stall]] [--schedule FILE|JSON] [--verbose] [--out DIR] [--send-every-ms N] [--in-flight N]

Five member processes on a 3-node nats-server cluster (m1 on nats-1, m2 on nats-2, ...), one group,
every member multicasting. A nemesis seeded by --seed applies one fault at a time: SIGKILL of a
member (a replacement joins), SIGSTOP/SIGCONT, a nats-server killed and restarted, SIGKILL of the
coordinator, a new joiner, a slow consumer. Then everything is healed, the traffic drained, and
every history goes through the checkers. Exits 1 on any anomaly or failed check, and prints the
command that reproduces the run.

  --seed N            the nemesis's seed (default: drawn from the clock, and printed)
  --duration S        seconds of faults (default 60; --long: 300)
  --ordering O        total (default), causal or fifo
  --delivery D        agreed (default) or safe
  --long              bounded-resources run: one member stops reading (deaf) for most of the run,
                      nothing else fails; every member's and server's RSS is reported at minute 1,
                      at the end and at its maximum, and growth past the criterion fails the run
  --slow M            long mode's slow consumer: deaf (default) or stall (its event loop blocked
                      350 ms of every 400 ms, below the failure detector's limit)
  --schedule S        replay a schedule: a schedule.json of an earlier run, or its JSON inline
                      (its seed and duration replace --seed and --duration)
  --verbose           one line per member in the report
  --out DIR           where each run's schedule, report and histories go (default chaos-results)
  --send-every-ms N   each member multicasts at most every N ms (default 10)
  --in-flight N       ... with at most N unacknowledged (default 4)
  --help`;

export interface CliOptions {
  readonly seed: number;
  readonly durationMs: number;
  readonly ordering: Ordering;
  readonly delivery: DeliveryMode;
  readonly long: boolean;
  /** Long mode's slow consumer. */
  readonly slow: SlowMode;
  readonly schedule?: Schedule;
  /** The --schedule argument as given, when it was a file. */
  readonly scheduleFile?: string;
  readonly verbose: boolean;
  readonly out: string;
  readonly sendEveryMs: number;
  readonly maxInFlight: number;
}

export type ParsedCli = { readonly help: true } | { readonly help: false; readonly options: CliOptions };

const ORDERINGS = ['total', 'causal', 'fifo'] as const;
const DELIVERIES = ['agreed', 'safe'] as const;
const SLOW_MODES = ['deaf', 'stall'] as const;

/** Throws an Error whose message says which flag is wrong and why. */
export function parseCli(argv: readonly string[], now = Date.now()): ParsedCli {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      seed: { type: 'string' },
      duration: { type: 'string' },
      ordering: { type: 'string', default: 'total' },
      delivery: { type: 'string', default: 'agreed' },
      long: { type: 'boolean', default: false },
      slow: { type: 'string', default: 'deaf' },
      schedule: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      out: { type: 'string', default: 'chaos-results' },
      'send-every-ms': { type: 'string', default: '10' },
      'in-flight': { type: 'string', default: '4' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return { help: true };
  const ordering = oneOf('--ordering', values.ordering, ORDERINGS);
  const delivery = oneOf('--delivery', values.delivery, DELIVERIES);
  const long = values.long;
  const slow = oneOf('--slow', values.slow, SLOW_MODES);
  if (slow !== 'deaf' && !long) throw new Error('--slow applies to --long only');
  let seed = values.seed === undefined ? now % 1_000_000 : integer('--seed', values.seed, 0);
  let durationMs =
    values.duration === undefined ? (long ? 300_000 : 60_000) : integer('--duration', values.duration, 1) * 1000;
  let schedule: Schedule | undefined;
  let scheduleFile: string | undefined;
  if (values.schedule !== undefined) {
    const arg = values.schedule.trim();
    if (arg.startsWith('{')) {
      schedule = parseSchedule(arg);
    } else {
      if (!existsSync(arg)) throw new Error(`--schedule: no such file: ${arg}`);
      schedule = parseSchedule(readFileSync(arg, 'utf8'));
      scheduleFile = arg;
    }
    seed = schedule.seed;
    durationMs = schedule.durationMs;
  }
  return {
    help: false,
    options: {
      seed,
      durationMs,
      ordering,
      delivery,
      long,
      slow,
      ...(schedule === undefined ? {} : { schedule }),
      ...(scheduleFile === undefined ? {} : { scheduleFile }),
      verbose: values.verbose,
      out: values.out,
      sendEveryMs: integer('--send-every-ms', values['send-every-ms'], 1),
      maxInFlight: integer('--in-flight', values['in-flight'], 1),
    },
  };
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`${flag} must be one of ${allowed.join(', ')}, got ${value}`);
  }
  return value as T;
}

function integer(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new Error(`${flag} must be an integer ≥ ${min}, got ${value}`);
  }
  return n;
}

/**
 * The command that runs the same faults again: the seed and duration re-plan the same schedule
 * (the plan depends on nothing else), or the schedule file when the run replayed one.
 */
export function reproduceCommand(o: {
  seed: number;
  durationMs: number;
  ordering: string;
  delivery: string;
  long: boolean;
  slow?: SlowMode;
  sendEveryMs: number;
  maxInFlight: number;
  scheduleFile?: string;
}): string {
  const args = o.scheduleFile !== undefined ? [`--schedule ${o.scheduleFile}`] : [`--seed ${o.seed}`];
  if (o.scheduleFile === undefined) args.push(`--duration ${Math.ceil(o.durationMs / 1000)}`);
  args.push(`--ordering ${o.ordering}`, `--delivery ${o.delivery}`);
  if (o.long) args.push('--long');
  if (o.long && o.slow === 'stall' && o.scheduleFile === undefined) args.push('--slow stall');
  if (o.sendEveryMs !== 10) args.push(`--send-every-ms ${o.sendEveryMs}`);
  if (o.maxInFlight !== 4) args.push(`--in-flight ${o.maxInFlight}`);
  return `npm run chaos -- ${args.join(' ')}`;
}
