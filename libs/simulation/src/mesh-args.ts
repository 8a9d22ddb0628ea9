import type { MeshConfig } from '@cohort/core';
import { DEFAULT_MESH_CONFIG } from '@cohort/core';
import type { MeshAction, MeshFaultOptions, MeshScenarioInput, MeshScenarioOptions } from './mesh-scenario.js';
import { DEFAULT_MESH_FAULTS, DEFAULT_MESH_SCENARIO, MeshJoinMode } from './mesh-scenario.js';

// One table maps CLI flags to mesh scenario fields both ways, so that the replay command of a
// failing mesh run is, by construction, something the CLI parses back into the same scenario.
type NumberField = 'nodes' | 'durationMs' | 'quietMs' | 'convergeWithinMs' | 'joinSpreadMs' | 'tickMs';
type FaultNumberField = Exclude<keyof MeshFaultOptions, 'fifoLinks'>;

const SCENARIO_FLAGS: ReadonlyArray<readonly [flag: string, field: NumberField]> = [
  ['nodes', 'nodes'],
  ['duration', 'durationMs'],
  ['quiet', 'quietMs'],
  ['converge-within', 'convergeWithinMs'],
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

export const MESH_SCENARIO_USAGE = [
  ...SCENARIO_FLAGS.map(
    ([flag, field]) => `  --${`${flag} N`.padEnd(20)} ${field} (default ${DEFAULT_MESH_SCENARIO[field]})`,
  ),
  ...FAULT_FLAGS.map(
    ([flag, field]) => `  --${`${flag} N`.padEnd(20)} faults.${field} (default ${DEFAULT_MESH_FAULTS[field]})`,
  ),
  `  --fifo | --no-fifo     faults.fifoLinks (default ${DEFAULT_MESH_FAULTS.fifoLinks})`,
  `  --joins MODE           ${Object.values(MeshJoinMode).join(' | ')} (default ${DEFAULT_MESH_SCENARIO.joins})`,
  `  --liveness on|off      (default on)`,
  '  --config key=value     override a MeshConfig field (repeatable)',
  '  --script JSON          scripted faults: [{"at":ms,"kind":"crash|leave|pause|partition|heal",...}]',
].join('\n');

/** Parses mesh scenario flags; returns the scenario (seed 0 unless given) and the rest. */
export function parseMeshScenarioArgs(argv: readonly string[]): { scenario: MeshScenarioInput; rest: string[] } {
  const rest: string[] = [];
  const top: Record<string, unknown> = {};
  const faults: Record<string, unknown> = {};
  const config: Record<string, number> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') && !arg.startsWith('--script')
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
    else if (flag === 'script') top['script'] = toScript(value());
    else if (flag === 'config') {
      const [key, v] = value().split('=');
      if (key === undefined || v === undefined || !(key in DEFAULT_MESH_CONFIG))
        throw new Error(`--config expects key=value with a MeshConfig key`);
      config[key] = toNumber(`config ${key}`, v);
    } else rest.push(arg);
  }
  const scenario = {
    ...top,
    seed: (top['seed'] as number | undefined) ?? 0,
    faults: faults as Partial<MeshFaultOptions>,
  } as MeshScenarioInput;
  return {
    scenario: Object.keys(config).length > 0 ? { ...scenario, config: config as Partial<MeshConfig> } : scenario,
    rest,
  };
}

/** The flags that reproduce `options` exactly: the seed, then everything that differs from the defaults. */
export function meshScenarioArgs(options: MeshScenarioOptions): string[] {
  const args = ['--seed', String(options.seed)];
  for (const [flag, field] of SCENARIO_FLAGS)
    if (options[field] !== DEFAULT_MESH_SCENARIO[field]) args.push(`--${flag}`, String(options[field]));
  for (const [flag, field] of FAULT_FLAGS)
    if (options.faults[field] !== DEFAULT_MESH_FAULTS[field]) args.push(`--${flag}`, String(options.faults[field]));
  if (options.faults.fifoLinks !== DEFAULT_MESH_FAULTS.fifoLinks)
    args.push(options.faults.fifoLinks ? '--fifo' : '--no-fifo');
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

function toNumber(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`--${flag}: '${text}' is not a number`);
  return n;
}

function toJoinMode(text: string): MeshJoinMode {
  const mode = Object.values(MeshJoinMode).find((m) => m === text);
  if (mode === undefined) throw new Error(`--joins: '${text}' is not one of ${Object.values(MeshJoinMode).join(', ')}`);
  return mode;
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
