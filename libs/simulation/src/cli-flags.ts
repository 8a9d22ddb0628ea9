import type { GroupOrdering } from '@cohort/core';
import { DEFAULT_GROUP_ORDERING } from '@cohort/core';
import type { FaultOptions } from './scenario.js';

// The pieces every scenario kind's flag parser shares. One table per kind maps CLI flags to
// fields both ways, so that the replay command a failing run prints is, by construction,
// something the CLI parses back into the same scenario.

export type FlagTable<F extends string> = ReadonlyArray<readonly [flag: string, field: F]>;

type FaultNumberField = Exclude<keyof FaultOptions, 'fifoLinks'>;

const FAULT_FLAGS: FlagTable<FaultNumberField> = [
  ['loss', 'loss'],
  ['dup', 'duplicate'],
  ['min-delay', 'minDelayMs'],
  ['max-delay', 'maxDelayMs'],
  ['leaves', 'leaves'],
  ['crashes', 'crashes'],
  ['restart-after', 'restartAfterMs'],
  ['pauses', 'pauses'],
  ['pause-ms', 'pauseMs'],
  ['partitions', 'partitions'],
  ['partition-ms', 'partitionMs'],
  ['asymmetric', 'asymmetric'],
];

/**
 * Walks `--flag value` and `--flag=value` arguments (not splitting flags in `whole`, whose values
 * may contain '='). `handle` returns false for a flag it does not know; such flags and positional
 * arguments are returned for the caller's own parsing.
 */
export function readFlags(
  argv: readonly string[],
  handle: (flag: string, value: () => string) => boolean,
  whole: readonly string[] = [],
): string[] {
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const split = eq > 0 && !whole.includes(arg.slice(2, eq));
    const flag = split ? arg.slice(2, eq) : arg.slice(2);
    const value = (): string => {
      const v = split ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new Error(`--${flag} needs a value`);
      return v;
    };
    if (!handle(flag, value)) rest.push(arg);
  }
  return rest;
}

export function toNumber(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`--${flag}: '${text}' is not a number`);
  return n;
}

export function toChoice<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  const choice = choices.find((c) => c === text);
  if (choice === undefined) throw new Error(`--${flag}: '${text}' is not one of ${choices.join(', ')}`);
  return choice;
}

/** Reads a number flag of `table` into `into`; false if `flag` is not in the table. */
export function readNumberFlag<F extends string>(
  table: FlagTable<F>,
  flag: string,
  value: () => string,
  into: Record<string, unknown>,
): boolean {
  const field = table.find(([f]) => f === flag)?.[1];
  if (field === undefined) return false;
  into[field] = toNumber(flag, value());
  return true;
}

/** Reads a fault flag (numbers, --fifo, --no-fifo) into `faults`; false if `flag` is not one. */
export function readFaultFlag(flag: string, value: () => string, faults: Record<string, unknown>): boolean {
  if (flag === 'fifo' || flag === 'no-fifo') {
    faults['fifoLinks'] = flag === 'fifo';
    return true;
  }
  return readNumberFlag(FAULT_FLAGS, flag, value, faults);
}

/** `key=value` of a numeric protocol config field (a key of `defaults`), read into `into`. */
export function readConfigEntry(flag: string, text: string, defaults: object, into: Record<string, number>): void {
  const [key, value] = text.split('=');
  if (key === undefined || value === undefined || !(key in defaults))
    throw new Error(`--${flag} expects key=value with a key of: ${Object.keys(defaults).join(', ')}`);
  into[key] = toNumber(`${flag} ${key}`, value);
}

/** `--flag key=value` for every field set in `overrides`. */
export function configArgs(flag: string, overrides: object): string[] {
  return Object.entries(overrides).flatMap(([key, value]) =>
    value !== undefined ? [`--${flag}`, `${key}=${String(value)}`] : [],
  );
}

export function numberUsage<F extends string>(
  table: FlagTable<F>,
  defaults: Readonly<Record<F, unknown>>,
  prefix = '',
): string[] {
  return table.map(
    ([flag, field]) => `  --${`${flag} N`.padEnd(20)} ${prefix}${field} (default ${String(defaults[field])})`,
  );
}

export function faultUsage(defaults: FaultOptions): string[] {
  return [
    ...numberUsage(FAULT_FLAGS, defaults, 'faults.'),
    `  --fifo | --no-fifo     faults.fifoLinks (default ${defaults.fifoLinks})`,
  ];
}

/** Flags for the fields of `values` that differ from `defaults`. */
export function numberArgs<F extends string>(
  table: FlagTable<F>,
  values: Readonly<Record<F, unknown>>,
  defaults: Readonly<Record<F, unknown>>,
): string[] {
  return table.flatMap(([flag, field]) =>
    values[field] !== defaults[field] ? [`--${flag}`, String(values[field])] : [],
  );
}

export function faultArgs(faults: FaultOptions, defaults: FaultOptions): string[] {
  const args = numberArgs(FAULT_FLAGS, faults, defaults);
  if (faults.fifoLinks !== defaults.fifoLinks) args.push(faults.fifoLinks ? '--fifo' : '--no-fifo');
  return args;
}

export const ORDERING_USAGE = [
  `  --ordering fifo|causal|total (default ${DEFAULT_GROUP_ORDERING.ordering})`,
  `  --delivery agreed|safe (default ${DEFAULT_GROUP_ORDERING.delivery})`,
];

/** Reads --ordering or --delivery into `into.ordering`; false for any other flag. */
export function readOrderingFlag(flag: string, value: () => string, into: Record<string, unknown>): boolean {
  const current = (into['ordering'] as GroupOrdering | undefined) ?? DEFAULT_GROUP_ORDERING;
  if (flag === 'ordering')
    into['ordering'] = { ...current, ordering: toChoice(flag, value(), ['fifo', 'causal', 'total']) };
  else if (flag === 'delivery')
    into['ordering'] = { ...current, delivery: toChoice(flag, value(), ['agreed', 'safe']) };
  else return false;
  return true;
}

export function orderingArgs(ordering: GroupOrdering): string[] {
  const args: string[] = [];
  if (ordering.ordering !== DEFAULT_GROUP_ORDERING.ordering) args.push('--ordering', ordering.ordering);
  if (ordering.delivery !== DEFAULT_GROUP_ORDERING.delivery) args.push('--delivery', ordering.delivery);
  return args;
}

/** A seed's ordering, drawn from its own stream so that the rest of a varied shape stays as it was. */
export function drawOrdering(rng: { int(n: number): number }): GroupOrdering {
  const ordering = (['fifo', 'causal', 'total'] as const)[rng.int(3)]!;
  return { ordering, delivery: rng.int(3) === 0 ? 'safe' : 'agreed' };
}
