import type { GroupProtocolConfig } from '@cohort/core';
import { DEFAULT_GROUP_PROTOCOL_CONFIG } from '@cohort/core';
import type { FaultOptions, ScenarioInput, ScenarioOptions } from './scenario.js';
import { DEFAULT_FAULTS, DEFAULT_SCENARIO, JoinMode } from './scenario.js';

// One table maps CLI flags to scenario fields both ways, so that the replay command a failing run
// prints is, by construction, something the CLI parses back into the same scenario.
type NumberField = 'nodes' | 'messagesPerNode' | 'durationMs' | 'quietMs' | 'joinSpreadMs' | 'tickMs';
type FaultNumberField = Exclude<keyof FaultOptions, 'fifoLinks'>;

const SCENARIO_FLAGS: ReadonlyArray<readonly [flag: string, field: NumberField]> = [
  ['nodes', 'nodes'],
  ['messages', 'messagesPerNode'],
  ['duration', 'durationMs'],
  ['quiet', 'quietMs'],
  ['join-spread', 'joinSpreadMs'],
  ['tick', 'tickMs'],
];

const FAULT_FLAGS: ReadonlyArray<readonly [flag: string, field: FaultNumberField]> = [
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

export const SCENARIO_USAGE = [
  ...SCENARIO_FLAGS.map(
    ([flag, field]) => `  --${`${flag} N`.padEnd(20)} ${field} (default ${DEFAULT_SCENARIO[field]})`,
  ),
  ...FAULT_FLAGS.map(
    ([flag, field]) => `  --${`${flag} N`.padEnd(20)} faults.${field} (default ${DEFAULT_FAULTS[field]})`,
  ),
  `  --fifo | --no-fifo     faults.fifoLinks (default ${DEFAULT_FAULTS.fifoLinks})`,
  `  --joins MODE           ${Object.values(JoinMode).join(' | ')} (default ${DEFAULT_SCENARIO.joins})`,
  `  --liveness on|off|auto (default ${DEFAULT_SCENARIO.liveness})`,
  '  --protocol key=value   override a GroupProtocolConfig field (repeatable)',
].join('\n');

/**
 * Parses scenario flags; returns the scenario (seed 0 unless given) and the arguments it did not
 * recognise, for the caller's own flags. Throws on a malformed value.
 */
export function parseScenarioArgs(argv: readonly string[]): { scenario: ScenarioInput; rest: string[] } {
  const rest: string[] = [];
  const top: Record<string, unknown> = {};
  const faults: Record<string, unknown> = {};
  const protocol: Record<string, number> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(2, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg.slice(2), undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`--${flag} needs a value`);
      return v;
    };
    const scenarioField = SCENARIO_FLAGS.find(([f]) => f === flag)?.[1];
    const faultField = FAULT_FLAGS.find(([f]) => f === flag)?.[1];
    if (!arg.startsWith('--')) rest.push(arg);
    else if (flag === 'seed') top['seed'] = toNumber(flag, value());
    else if (scenarioField !== undefined) top[scenarioField] = toNumber(flag, value());
    else if (faultField !== undefined) faults[faultField] = toNumber(flag, value());
    else if (flag === 'fifo') faults['fifoLinks'] = true;
    else if (flag === 'no-fifo') faults['fifoLinks'] = false;
    else if (flag === 'joins') top['joins'] = toJoinMode(value());
    else if (flag === 'liveness') top['liveness'] = toLiveness(value());
    else if (flag === 'protocol') {
      const [key, v] = value().split('=');
      if (key === undefined || v === undefined || !(key in DEFAULT_GROUP_PROTOCOL_CONFIG))
        throw new Error(`--protocol expects key=value with a GroupProtocolConfig key`);
      protocol[key] = toNumber(`protocol ${key}`, v);
    } else rest.push(arg);
  }
  const scenario = {
    ...top,
    seed: (top['seed'] as number | undefined) ?? 0,
    faults: faults as Partial<FaultOptions>,
  } as ScenarioInput;
  return {
    scenario:
      Object.keys(protocol).length > 0 ? { ...scenario, protocol: protocol as Partial<GroupProtocolConfig> } : scenario,
    rest,
  };
}

/** The flags that reproduce `options` exactly: the seed, then everything that differs from the defaults. */
export function scenarioArgs(options: ScenarioOptions): string[] {
  const args = ['--seed', String(options.seed)];
  for (const [flag, field] of SCENARIO_FLAGS)
    if (options[field] !== DEFAULT_SCENARIO[field]) args.push(`--${flag}`, String(options[field]));
  for (const [flag, field] of FAULT_FLAGS)
    if (options.faults[field] !== DEFAULT_FAULTS[field]) args.push(`--${flag}`, String(options.faults[field]));
  if (options.faults.fifoLinks !== DEFAULT_FAULTS.fifoLinks)
    args.push(options.faults.fifoLinks ? '--fifo' : '--no-fifo');
  if (options.joins !== DEFAULT_SCENARIO.joins) args.push('--joins', options.joins);
  if (options.liveness !== DEFAULT_SCENARIO.liveness)
    args.push('--liveness', options.liveness === 'auto' ? 'auto' : options.liveness ? 'on' : 'off');
  for (const [key, value] of Object.entries(options.protocol))
    if (value !== undefined) args.push('--protocol', `${key}=${value}`);
  return args;
}

export function replayCommand(options: ScenarioOptions): string {
  return `npx vopr ${scenarioArgs(options).join(' ')}`;
}

function toNumber(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`--${flag}: '${text}' is not a number`);
  return n;
}

function toJoinMode(text: string): JoinMode {
  const mode = Object.values(JoinMode).find((m) => m === text);
  if (mode === undefined) throw new Error(`--joins: '${text}' is not one of ${Object.values(JoinMode).join(', ')}`);
  return mode;
}

function toLiveness(text: string): ScenarioOptions['liveness'] {
  if (text === 'on' || text === 'true') return true;
  if (text === 'off' || text === 'false') return false;
  if (text === 'auto') return 'auto';
  throw new Error(`--liveness: '${text}' is not on, off or auto`);
}
