import type { MeshConfig } from '@cohort/core';
import { DEFAULT_MESH_CONFIG } from '@cohort/core';
import type { MeshAction, MeshScenarioInput, MeshScenarioOptions } from './mesh-scenario.js';
import type { FaultOptions } from './scenario.js';
import type { FlagTable } from './cli-flags.js';
import {
  faultArgs,
  faultUsage,
  numberArgs,
  numberUsage,
  readFaultFlag,
  readFlags,
  readNumberFlag,
  toChoice,
  toNumber,
} from './cli-flags.js';
import { DEFAULT_MESH_FAULTS, DEFAULT_MESH_SCENARIO, MeshJoinMode } from './mesh-scenario.js';

type NumberField = 'nodes' | 'durationMs' | 'quietMs' | 'convergeWithinMs' | 'joinSpreadMs' | 'tickMs';

const SCENARIO_FLAGS: FlagTable<NumberField> = [
  ['nodes', 'nodes'],
  ['duration', 'durationMs'],
  ['quiet', 'quietMs'],
  ['converge-within', 'convergeWithinMs'],
  ['join-spread', 'joinSpreadMs'],
  ['tick', 'tickMs'],
];

export const MESH_SCENARIO_USAGE = [
  ...numberUsage(SCENARIO_FLAGS, DEFAULT_MESH_SCENARIO),
  ...faultUsage(DEFAULT_MESH_FAULTS),
  `  --joins MODE           ${Object.values(MeshJoinMode).join(' | ')} (default ${DEFAULT_MESH_SCENARIO.joins})`,
  `  --liveness on|off      (default on)`,
  '  --config key=value     override a MeshConfig field (repeatable)',
  '  --script JSON          scripted faults: [{"at":ms,"kind":"crash|leave|pause|partition|heal",...}]',
].join('\n');

/** Parses mesh scenario flags; returns the scenario (seed 0 unless given) and the rest. */
export function parseMeshScenarioArgs(argv: readonly string[]): { scenario: MeshScenarioInput; rest: string[] } {
  const top: Record<string, unknown> = {};
  const faults: Record<string, unknown> = {};
  const config: Record<string, number> = {};
  const rest = readFlags(
    argv,
    (flag, value) => {
      if (flag === 'seed') top['seed'] = toNumber(flag, value());
      else if (flag === 'joins') top['joins'] = toChoice(flag, value(), Object.values(MeshJoinMode));
      else if (flag === 'liveness') top['liveness'] = toLiveness(value());
      else if (flag === 'script') top['script'] = toScript(value());
      else if (flag === 'config') {
        const [key, v] = value().split('=');
        if (key === undefined || v === undefined || !(key in DEFAULT_MESH_CONFIG))
          throw new Error(`--config expects key=value with a MeshConfig key`);
        config[key] = toNumber(`config ${key}`, v);
      } else return readNumberFlag(SCENARIO_FLAGS, flag, value, top) || readFaultFlag(flag, value, faults);
      return true;
    },
    ['script'],
  );
  const scenario = {
    ...top,
    seed: (top['seed'] as number | undefined) ?? 0,
    faults: faults as Partial<FaultOptions>,
  } as MeshScenarioInput;
  return {
    scenario: Object.keys(config).length > 0 ? { ...scenario, config: config as Partial<MeshConfig> } : scenario,
    rest,
  };
}

/** The flags that reproduce `options` exactly: the seed, then everything that differs from the defaults. */
export function meshScenarioArgs(options: MeshScenarioOptions): string[] {
  const args = ['--seed', String(options.seed)];
  args.push(
    ...numberArgs(SCENARIO_FLAGS, options, DEFAULT_MESH_SCENARIO),
    ...faultArgs(options.faults, DEFAULT_MESH_FAULTS),
  );
  if (options.joins !== DEFAULT_MESH_SCENARIO.joins) args.push('--joins', options.joins);
  if (options.liveness !== DEFAULT_MESH_SCENARIO.liveness) args.push('--liveness', options.liveness ? 'on' : 'off');
  for (const [key, value] of Object.entries(options.config))
    if (value !== undefined) args.push('--config', `${key}=${value}`);
  if (options.script.length > 0) args.push('--script', JSON.stringify(options.script));
  return args;
}

/** A shell command; the script's JSON is single-quoted (node ids never contain a quote). */
export function meshReplayCommand(options: MeshScenarioOptions): string {
  const args = meshScenarioArgs(options).map((a) => (a.startsWith('[') ? `'${a}'` : a));
  return `npx vopr --mesh ${args.join(' ')}`;
}

function toLiveness(text: string): boolean {
  if (text === 'on' || text === 'true') return true;
  if (text === 'off' || text === 'false') return false;
  throw new Error(`--liveness: '${text}' is not on or off`);
}

function toScript(text: string): MeshAction[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`--script: not JSON: ${text}`);
  }
  const kinds = ['crash', 'leave', 'pause', 'partition', 'heal'];
  if (
    !Array.isArray(value) ||
    !value.every(
      (a: unknown) =>
        typeof a === 'object' &&
        a !== null &&
        'at' in a &&
        typeof a.at === 'number' &&
        'kind' in a &&
        kinds.includes(String(a.kind)),
    )
  )
    throw new Error('--script: expected an array of {"at": ms, "kind": crash|leave|pause|partition|heal, ...}');
  return value as MeshAction[];
}
