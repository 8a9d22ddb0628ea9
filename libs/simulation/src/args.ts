import type { GroupProtocolConfig } from '@cohort/core';
import { DEFAULT_GROUP_PROTOCOL_CONFIG } from '@cohort/core';
import type { FaultOptions, ScenarioInput, ScenarioOptions } from './scenario.js';
import { DEFAULT_FAULTS, DEFAULT_SCENARIO, JoinMode } from './scenario.js';
import type { FlagTable } from './cli-flags.js';
import {
  faultArgs,
  faultUsage,
  ORDERING_USAGE,
  orderingArgs,
  readOrderingFlag,
  numberArgs,
  numberUsage,
  readFaultFlag,
  readFlags,
  readNumberFlag,
  toChoice,
  toNumber,
} from './cli-flags.js';

type NumberField = 'nodes' | 'messagesPerNode' | 'durationMs' | 'quietMs' | 'joinSpreadMs' | 'tickMs';

const SCENARIO_FLAGS: FlagTable<NumberField> = [
  ['nodes', 'nodes'],
  ['messages', 'messagesPerNode'],
  ['duration', 'durationMs'],
  ['quiet', 'quietMs'],
  ['join-spread', 'joinSpreadMs'],
  ['tick', 'tickMs'],
];

export const SCENARIO_USAGE = [
  ...numberUsage(SCENARIO_FLAGS, DEFAULT_SCENARIO),
  ...faultUsage(DEFAULT_FAULTS),
  `  --joins MODE           ${Object.values(JoinMode).join(' | ')} (default ${DEFAULT_SCENARIO.joins})`,
  `  --liveness on|off|auto (default ${DEFAULT_SCENARIO.liveness})`,
  '  --protocol key=value   override a GroupProtocolConfig field (repeatable)',
  ...ORDERING_USAGE,
  '  --state on|off         the group transfers its state (a replicated log) to joiners (default off)',
].join('\n');

/**
 * Parses scenario flags; returns the scenario (seed 0 unless given) and the arguments it did not
 * recognise, for the caller's own flags. Throws on a malformed value.
 */
export function parseScenarioArgs(argv: readonly string[]): { scenario: ScenarioInput; rest: string[] } {
  const top: Record<string, unknown> = {};
  const faults: Record<string, unknown> = {};
  const protocol: Record<string, number> = {};
  const rest = readFlags(argv, (flag, value) => {
    if (flag === 'seed') top['seed'] = toNumber(flag, value());
    else if (flag === 'joins') top['joins'] = toChoice(flag, value(), Object.values(JoinMode));
    else if (flag === 'liveness') top['liveness'] = toLiveness(value());
    else if (flag === 'state') top['state'] = toChoice(flag, value(), ['on', 'off']) === 'on';
    else if (flag === 'protocol') {
      const [key, v] = value().split('=');
      if (key === undefined || v === undefined || !(key in DEFAULT_GROUP_PROTOCOL_CONFIG))
        throw new Error(`--protocol expects key=value with a GroupProtocolConfig key`);
      protocol[key] = toNumber(`protocol ${key}`, v);
    } else
      return (
        readOrderingFlag(flag, value, top) ||
        readNumberFlag(SCENARIO_FLAGS, flag, value, top) ||
        readFaultFlag(flag, value, faults)
      );
    return true;
  });
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
  args.push(...numberArgs(SCENARIO_FLAGS, options, DEFAULT_SCENARIO), ...faultArgs(options.faults, DEFAULT_FAULTS));
  if (options.joins !== DEFAULT_SCENARIO.joins) args.push('--joins', options.joins);
  args.push(...orderingArgs(options.ordering));
  if (options.state) args.push('--state', 'on');
  if (options.liveness !== DEFAULT_SCENARIO.liveness)
    args.push('--liveness', options.liveness === 'auto' ? 'auto' : options.liveness ? 'on' : 'off');
  for (const [key, value] of Object.entries(options.protocol))
    if (value !== undefined) args.push('--protocol', `${key}=${value}`);
  return args;
}

export function replayCommand(options: ScenarioOptions): string {
  return `npx vopr ${scenarioArgs(options).join(' ')}`;
}

function toLiveness(text: string): ScenarioOptions['liveness'] {
  if (text === 'on' || text === 'true') return true;
  if (text === 'off' || text === 'false') return false;
  if (text === 'auto') return 'auto';
  throw new Error(`--liveness: '${text}' is not on, off or auto`);
}
