import { DeliveryMode, Ordering } from '@cohort/nats';

/** How JetStream stores the baseline's stream. */
export const Storage = { file: 'file', memory: 'memory' } as const;
export type Storage = (typeof Storage)[keyof typeof Storage];

export interface CohortVariant {
  readonly ordering: Ordering;
  readonly delivery: DeliveryMode;
}

export interface BenchOptions {
  /** Messages each member sends, in every scenario. */
  readonly messages: number;
  readonly payloadBytes: number;
  readonly members: number;
  readonly variants: readonly CohortVariant[];
  /** Times every scenario runs, interleaved; the table shows medians. */
  readonly rounds: number;
  /** Unsettled multicast() / js.publish() calls per member. */
  readonly inFlight: number;
  readonly storage: Storage;
  /** A member that received nothing for this long reports what it has. */
  readonly idleTimeoutMs: number;
  /** Also measure how long a joiner blocks the group while traffic runs. */
  readonly joinUnderLoad: boolean;
  readonly help: boolean;
}

export const DEFAULTS: Omit<BenchOptions, 'help'> = {
  messages: 10_000,
  payloadBytes: 128,
  members: 3,
  variants: parseVariants('fifo,causal,total,fifo/safe,causal/safe,total/safe'),
  rounds: 3,
  inFlight: 1000,
  storage: 'file',
  idleTimeoutMs: 5000,
  joinUnderLoad: true,
};

export const USAGE = `usage: bench [--messages N] [--orderings LIST] [--payload BYTES] [--members N] [options]

Starts a private nats-server (JetStream on) and N member processes, then measures, with the same
processes: raw NATS publish/subscribe fan-out, JetStream (publish acknowledged, one ordered
consumer per member), and Cohort multicast in each ordering. Every member sends --messages
messages and receives everyone's. Prints one table; the ratios to raw NATS and JetStream are the
figures to compare across machines.

  --messages N           messages each member sends per scenario (default ${DEFAULTS.messages})
  --orderings LIST       Cohort variants, ordering[/delivery], comma-separated; delivery is agreed
                         unless given (default fifo,causal,total,fifo/safe,causal/safe,total/safe)
  --payload BYTES        payload size (default ${DEFAULTS.payloadBytes})
  --members N            member processes (default ${DEFAULTS.members})
  --rounds N             times every scenario runs, interleaved, after a short warm-up round;
                         the table shows medians (default ${DEFAULTS.rounds})
  --in-flight N          unsettled multicast() or js.publish() calls per member (default ${DEFAULTS.inFlight})
  --storage file|memory  JetStream storage of the baseline stream (default ${DEFAULTS.storage})
  --idle-timeout MS      a member that received nothing for this long reports what it has
                         (default ${DEFAULTS.idleTimeoutMs})
  --no-join              skip the join-under-load measurement
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
    const positive = (min = 1): number => {
      const text = value();
      const n = Number(text);
      if (!Number.isSafeInteger(n) || n < min) throw new Error(`${flag} needs an integer ≥ ${min}, got ${text}`);
      return n;
    };
    if (flag === '--messages') options.messages = positive();
    else if (flag === '--orderings') options.variants = parseVariants(value());
    else if (flag === '--payload') options.payloadBytes = positive();
    else if (flag === '--members') options.members = positive(2);
    else if (flag === '--rounds') options.rounds = positive();
    else if (flag === '--in-flight') options.inFlight = positive();
    else if (flag === '--idle-timeout') options.idleTimeoutMs = positive();
    else if (flag === '--storage') {
      const storage = value();
      if (!Object.hasOwn(Storage, storage)) throw new Error(`--storage must be file or memory, got ${storage}`);
      options.storage = storage as Storage;
    } else if (flag === '--no-join') options.joinUnderLoad = false;
    else if (flag === '--help' || flag === '-h') options.help = true;
    else throw new Error(`unknown argument ${JSON.stringify(arg)} (see --help)`);
  }
  return options;
}
