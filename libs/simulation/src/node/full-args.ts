import type { GroupOrdering, GroupProtocolConfig, MeshConfig } from '@cohort/core';
import { DEFAULT_GROUP_PROTOCOL_CONFIG, DEFAULT_MESH_CONFIG } from '@cohort/core';
import type { FlagTable } from '../cli-flags.js';
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
} from '../cli-flags.js';
import { meshRunArgs, readMeshRunFlag, shellArgs, toSwitch } from '../mesh-args.js';
import { MeshJoinMode } from '../mesh-scenario.js';
import type { FaultOptions } from '../scenario.js';
import type { FullScenarioInput, FullScenarioOptions } from './full-scenario.js';
import { DEFAULT_FULL_FAULTS, DEFAULT_FULL_SCENARIO } from './full-scenario.js';

type NumberField =
  | 'nodes'
  | 'groups'
  | 'messages'
  | 'groupLeaves'
  | 'concurrentJoins'
  | 'durationMs'
  | 'quietMs'
  | 'convergeWithinMs'
  | 'joinSpreadMs'
  | 'groupJoinSpreadMs'
  | 'tickMs';

const SCENARIO_FLAGS: FlagTable<NumberField> = [
  ['nodes', 'nodes'],
  ['groups', 'groups'],
  ['messages', 'messages'],
  ['group-leaves', 'groupLeaves'],
  ['concurrent-joins', 'concurrentJoins'],
  ['duration', 'durationMs'],
  ['quiet', 'quietMs'],
  ['converge-within', 'convergeWithinMs'],
  ['join-spread', 'joinSpreadMs'],
  ['group-join-spread', 'groupJoinSpreadMs'],
  ['tick', 'tickMs'],
];

export const FULL_SCENARIO_USAGE = [
  ...numberUsage(SCENARIO_FLAGS, DEFAULT_FULL_SCENARIO),
  ...faultUsage(DEFAULT_FULL_FAULTS),
  '                         (--leaves: graceful leaves of whole nodes; --group-leaves: of one group)',
  `  --joins MODE           ${Object.values(MeshJoinMode).join(' | ')} (default ${DEFAULT_FULL_SCENARIO.joins})`,
  `  --liveness on|off      (default on)`,
  `  --rejoin on|off        a node the primary mesh removed rejoins under a new id (default on)`,
  '  --mesh-config k=v      override a MeshConfig field (repeatable)',
  '  --protocol k=v         override a GroupProtocolConfig field (repeatable)',
  '  --orderings o/d,...    group gi uses entry i (cycling): fifo|causal|total / agreed|safe (default fifo/agreed)',
  '  --state on|off         groups transfer their state (a replicated log) to joiners (default off)',
  '  --script JSON          scripted node faults: [{"at":ms,"kind":"crash|leave|pause|partition|heal",...}]',
].join('\n');

/** Parses full-node scenario flags; returns the scenario (seed 0 unless given) and the rest. */
export function parseFullScenarioArgs(argv: readonly string[]): { scenario: FullScenarioInput; rest: string[] } {
  const top: Record<string, unknown> = {};
  const faults: Record<string, unknown> = {};
  const mesh: Record<string, number> = {};
  const protocol: Record<string, number> = {};
  const rest = readFlags(
    argv,
    (flag, value) => {
      if (readMeshRunFlag(flag, value, top)) return true;
      if (flag === 'rejoin') top['rejoin'] = toSwitch(flag, value());
      else if (flag === 'orderings') top['orderings'] = toOrderings(flag, value());
      else if (flag === 'state') top['state'] = toSwitch(flag, value());
      else if (flag === 'mesh-config') readConfigEntry(flag, value(), DEFAULT_MESH_CONFIG, mesh);
      else if (flag === 'protocol') readConfigEntry(flag, value(), DEFAULT_GROUP_PROTOCOL_CONFIG, protocol);
      else return readNumberFlag(SCENARIO_FLAGS, flag, value, top) || readFaultFlag(flag, value, faults);
      return true;
    },
    ['script'],
  );
  const scenario: FullScenarioInput = {
    ...(top as Partial<FullScenarioInput>),
    seed: (top['seed'] as number | undefined) ?? 0,
    faults: faults as Partial<FaultOptions>,
    ...(Object.keys(mesh).length > 0 ? { mesh: mesh as Partial<MeshConfig> } : {}),
    ...(Object.keys(protocol).length > 0 ? { protocol: protocol as Partial<GroupProtocolConfig> } : {}),
  };
  return { scenario, rest };
}

/** The flags that reproduce `options` exactly: the seed, then everything that differs from the defaults. */
export function fullScenarioArgs(options: FullScenarioOptions): string[] {
  const args = ['--seed', String(options.seed)];
  args.push(
    ...numberArgs(SCENARIO_FLAGS, options, DEFAULT_FULL_SCENARIO),
    ...faultArgs(options.faults, DEFAULT_FULL_FAULTS),
    ...meshRunArgs(options, DEFAULT_FULL_SCENARIO),
    ...(options.rejoin !== DEFAULT_FULL_SCENARIO.rejoin ? ['--rejoin', options.rejoin ? 'on' : 'off'] : []),
    ...configArgs('mesh-config', options.mesh),
    ...configArgs('protocol', options.protocol),
  );
  const orderings = options.orderings.map((o) => `${o.ordering}/${o.delivery}`).join(',');
  if (orderings !== 'fifo/agreed') args.push('--orderings', orderings);
  if (options.state) args.push('--state', 'on');
  if (options.script.length > 0) args.push('--script', JSON.stringify(options.script));
  return args;
}

/** A shell command that replays the run; the script's JSON is single-quoted. */
export function fullReplayCommand(options: FullScenarioOptions): string {
  return `npx vopr --full ${shellArgs(fullScenarioArgs(options))}`;
}

function toOrderings(flag: string, text: string): GroupOrdering[] {
  return text.split(',').map((entry) => {
    const [ordering = '', delivery = 'agreed'] = entry.split('/');
    return {
      ordering: toChoice(flag, ordering, ['fifo', 'causal', 'total'] as const),
      delivery: toChoice(flag, delivery, ['agreed', 'safe'] as const),
    };
  });
}
