import type { MeshConfig } from '@cohort/core';
import { DEFAULT_MESH_CONFIG } from '@cohort/core';
import type { MeshAction, MeshScenarioInput, MeshScenarioOptions } from './mesh-scenario.js';
import type { FaultOptions } from './scenario.js';
import type { FlagTable } from './cli-flags.js';
import {
  configArgs,
  faultArgs,
  faultUsage,
  numberArgs,
  numberUsage,
  readConfigEntry,
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
      if (readMeshRunFlag(flag, value, top)) return true;
      if (flag === 'config') readConfigEntry(flag, value(), DEFAULT_MESH_CONFIG, config);
      else return readNumberFlag(SCENARIO_FLAGS, flag, value, top) || readFaultFlag(flag, value, faults);
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
  args.push(...meshRunArgs(options, DEFAULT_MESH_SCENARIO), ...configArgs('config', options.config));
  if (options.script.length > 0) args.push('--script', JSON.stringify(options.script));
  return args;
}

type MeshRunFields = Pick<MeshScenarioOptions, 'joins' | 'liveness'>;

/**
 * The flags a mesh run and a full-node run share, besides the numbers and faults: --seed,
 * --joins, --liveness and --script (which the caller must pass to readFlags as whole).
 */
export function readMeshRunFlag(flag: string, value: () => string, top: Record<string, unknown>): boolean {
  if (flag === 'seed') top['seed'] = toNumber(flag, value());
  else if (flag === 'joins') top['joins'] = toChoice(flag, value(), Object.values(MeshJoinMode));
  else if (flag === 'liveness') top['liveness'] = toSwitch(flag, value());
  else if (flag === 'script') top['script'] = toScript(value());
  else return false;
  return true;
}

/** --joins and --liveness where they differ from the defaults (--script is the caller's: it goes last). */
export function meshRunArgs(options: MeshRunFields, defaults: MeshRunFields): string[] {
  const args: string[] = [];
  if (options.joins !== defaults.joins) args.push('--joins', options.joins);
  if (options.liveness !== defaults.liveness) args.push('--liveness', options.liveness ? 'on' : 'off');
  return args;
}

/** Quotes the script's JSON for a shell (node ids never contain a quote). */
export function shellArgs(args: readonly string[]): string {
  return args.map((a) => (a.startsWith('[') ? `'${a}'` : a)).join(' ');
}

/** A shell command; the script's JSON is single-quoted. */
export function meshReplayCommand(options: MeshScenarioOptions): string {
  return `npx vopr --mesh ${shellArgs(meshScenarioArgs(options))}`;
}

/** An on/off flag's value. */
export function toSwitch(flag: string, text: string): boolean {
  if (text === 'on' || text === 'true') return true;
  if (text === 'off' || text === 'false') return false;
  throw new Error(`--${flag}: '${text}' is not on or off`);
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
