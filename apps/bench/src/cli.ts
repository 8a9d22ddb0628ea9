import { DeliveryMode, Ordering } from '@cohort/nats';
import { Senders } from './messages.js';
import { STAMP_BYTES } from './latency.js';

/** How JetStream stores the baseline's stream. */
export const Storage = { file: 'file', memory: 'memory' } as const;
export type Storage = (typeof Storage)[keyof typeof Storage];

export interface CohortVariant {
  readonly ordering: Ordering;
  readonly delivery: DeliveryMode;
}

/** One process layout and message shape; every scenario runs on it with the same processes. */
export interface Shape {
  readonly members: number;
  readonly payloadBytes: number;
  readonly senders: Senders;
}

export interface BenchOptions {
  /** Messages each sender sends, in every scenario. */
  readonly messages: number;
  /** Every combination of these is one shape, run with its own member processes. */
  readonly payloads: readonly number[];
  readonly memberCounts: readonly number[];
  readonly senders: readonly Senders[];
  readonly variants: readonly CohortVariant[];
  /** Times every scenario runs, interleaved; the table shows medians. */
  readonly rounds: number;
  /** Unsettled multicast() / js.publish() calls per member. */
  readonly inFlight: number;
  readonly storage: Storage;
  /** A member that received nothing for this long reports what it has. */
  readonly idleTimeoutMs: number;
  /** Also measure how long a joiner blocks the group while traffic runs (first shape only). */
  readonly joinUnderLoad: boolean;
  /** Also measure latency at half of each scenario's measured throughput. */
  readonly latency: boolean;
  /** Runs of the membership and state-transfer scripts; 0 skips them. */
  readonly membershipRuns: number;
  /** State sizes of the join-with-state measurement, MiB. */
  readonly stateMiB: readonly number[];
  /** Where the JSON results and the SVG chart go. */
  readonly outDir: string;
  readonly help: boolean;
}

export const DEFAULTS: Omit<BenchOptions, 'help'> = {
  messages: 10_000,
  payloads: [128],
  memberCounts: [3],
  senders: ['all'],
  variants: parseVariants('fifo,causal,total,total/safe'),
  rounds: 3,
  inFlight: 1000,
  storage: 'memory',
  idleTimeoutMs: 5000,
  joinUnderLoad: true,
  latency: true,
  membershipRuns: 3,
  stateMiB: [1, 50],
  outDir: 'bench-results',
};

/** `--quick`: about a minute on a 2-core machine; too short for stable ratios. */
export const QUICK: Partial<BenchOptions> = {
  messages: 3000,
  rounds: 1,
  payloads: [128, 1024],
  membershipRuns: 1,
  stateMiB: [1],
};

/** `--full`: the whole matrix (long: tens of minutes). */
export const FULL: Partial<BenchOptions> = {
  payloads: [128, 1024, 16384],
  memberCounts: [3, 5, 9],
  senders: ['all', 'one'],
  membershipRuns: 5,
};

export const USAGE = `usage: bench [--quick | --full] [--messages N] [--orderings LIST] [--payload LIST] [--members LIST] [options]

Starts a private nats-server (JetStream on) and member processes, then measures, with the same
processes: raw NATS publish/subscribe fan-out, JetStream as a total-order log (publish
acknowledged, one ordered consumer per member), and Cohort multicast in each ordering; then the
latency of each at half its measured throughput. Every combination of --members, --payload and
--senders is run with its own processes. Prints tables and writes JSON and an SVG chart to
--out; the ratios to raw NATS and JetStream are the figures to compare across machines.

  --quick                ${QUICK.messages} messages, 1 round, payloads 128 and 1024, one membership
                         run, 1 MiB state: about a minute; a check that everything runs, its
                         runs are too short for stable ratios (the baselines are still warming up)
  --full                 payloads 128,1024,16384 × members 3,5,9 × senders all,one
  --messages N           messages each sender sends per scenario (default ${DEFAULTS.messages})
  --orderings LIST       Cohort variants, ordering[/delivery], comma-separated; delivery is agreed
                         unless given (default fifo,causal,total,total/safe)
  --payload LIST         payload sizes in bytes, at least ${STAMP_BYTES} (default 128)
  --members LIST         member process counts, at least 2 (default 3)
  --senders LIST         all: every member sends; one: only the first (default all)
  --rounds N             times every scenario runs, interleaved, after a short warm-up round;
                         the table shows medians (default ${DEFAULTS.rounds})
  --in-flight N          unsettled multicast() or js.publish() calls per member (default ${DEFAULTS.inFlight})
  --storage file|memory  JetStream storage of the baseline stream (default ${DEFAULTS.storage})
  --idle-timeout MS      a member that received nothing for this long reports what it has
                         (default ${DEFAULTS.idleTimeoutMs})
  --no-join              skip the join-under-load measurement
  --no-latency           skip the latency pass at half load
  --membership-runs N    runs of SIGKILL/leave/join → new view and of the join with state
                         transfer (scripts/measure-*.mjs); 0 skips them (default ${DEFAULTS.membershipRuns})
  --state-mb LIST        state sizes for the join with state transfer, MiB (default 1,50)
  --out DIR              where results go (default ${DEFAULTS.outDir})
  --help                 this text`;

export function parseVariants(list: string): CohortVariant[] {
  const variants = list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item): CohortVariant => {
      const [ordering, delivery = 'agreed', extra] = item.split('/');
      if (extra !== undefined || ordering === undefined || !Object.hasOwn(Ordering, ordering)) {
        throw new Error(
          `--orderings: ${JSON.stringify(item)} is not ordering[/delivery] with ordering fifo, causal or total`,
        );
      }
      if (!Object.hasOwn(DeliveryMode, delivery)) {
        throw new Error(`--orderings: ${JSON.stringify(item)}: delivery must be agreed or safe`);
      }
      return { ordering: ordering as Ordering, delivery: delivery as DeliveryMode };
    });
  if (variants.length === 0) throw new Error('--orderings: give at least one ordering');
  return variants;
}

export function variantLabel(variant: CohortVariant): string {
  return `${variant.ordering}/${variant.delivery}`;
}

/** Every combination of the options' lists, in a stable order. */
export function shapesOf(options: BenchOptions): Shape[] {
  return options.memberCounts.flatMap((members) =>
    options.payloads.flatMap((payloadBytes) => options.senders.map((senders) => ({ members, payloadBytes, senders }))),
  );
}

export function shapeLabel(shape: Shape): string {
  return `${shape.members} members, ${shape.payloadBytes} B, ${shape.senders === 'all' ? 'all sending' : 'one sender'}`;
}

export function parseCli(argv: readonly string[]): BenchOptions {
  const options: { -readonly [K in keyof BenchOptions]: BenchOptions[K] } = { ...DEFAULTS, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const value = (): string => {
      const text = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (text === undefined || text === '') throw new Error(`${flag} needs a value`);
      return text;
    };
    const integer = (text: string, min: number): number => {
      const n = Number(text);
      if (!Number.isSafeInteger(n) || n < min) throw new Error(`${flag} needs an integer ≥ ${min}, got ${text}`);
      return n;
    };
    const positive = (min = 1): number => integer(value(), min);
    const list = (min: number): number[] =>
      value()
        .split(',')
        .map((t) => integer(t.trim(), min));
    if (flag === '--messages') options.messages = positive();
    else if (flag === '--orderings') options.variants = parseVariants(value());
    else if (flag === '--payload') options.payloads = list(STAMP_BYTES);
    else if (flag === '--members') options.memberCounts = list(2);
    else if (flag === '--senders') {
      options.senders = value()
        .split(',')
        .map((t) => {
          if (!Object.hasOwn(Senders, t.trim())) throw new Error(`--senders: ${JSON.stringify(t)} is not all or one`);
          return t.trim() as Senders;
        });
    } else if (flag === '--rounds') options.rounds = positive();
    else if (flag === '--in-flight') options.inFlight = positive();
    else if (flag === '--idle-timeout') options.idleTimeoutMs = positive();
    else if (flag === '--storage') {
      const storage = value();
      if (!Object.hasOwn(Storage, storage)) throw new Error(`--storage must be file or memory, got ${storage}`);
      options.storage = storage as Storage;
    } else if (flag === '--no-join') options.joinUnderLoad = false;
    else if (flag === '--no-latency') options.latency = false;
    else if (flag === '--out') options.outDir = value();
    else if (flag === '--membership-runs') options.membershipRuns = integer(value(), 0);
    else if (flag === '--state-mb') options.stateMiB = list(1);
    else if (flag === '--quick') Object.assign(options, QUICK);
    else if (flag === '--full') Object.assign(options, FULL);
    else if (flag === '--help' || flag === '-h') options.help = true;
    else throw new Error(`unknown argument ${JSON.stringify(arg)} (see --help)`);
  }
  return options;
}
