import type { FullScenarioInput, MeshScenarioInput, ScenarioInput } from '@cohort/simulation';
import {
  FULL_SCENARIO_USAGE,
  MESH_SCENARIO_USAGE,
  parseFullScenarioArgs,
  parseMeshScenarioArgs,
  parseScenarioArgs,
  runFullScenario,
  runMeshScenario,
  runScenario,
  SCENARIO_USAGE,
  variedFullScenario,
  variedMeshScenario,
  variedScenario,
} from '@cohort/simulation';

/** Which simulator runs: one group, the mesh alone, or whole nodes (mesh and groups). */
export const CliMode = { group: 'group', mesh: 'mesh', full: 'full' } as const;
export type CliMode = (typeof CliMode)[keyof typeof CliMode];

export interface CliOptions {
  readonly mode: CliMode;
  readonly from: number;
  readonly count: number;
  /** Draw each seed's scenario shape from the seed (variedScenario); given flags still win. */
  readonly vary: boolean;
  readonly keepGoing: boolean;
  readonly verbose: boolean;
  /** Print every machine input and output (one seed only). */
  readonly trace: boolean;
  readonly help: boolean;
  /** The scenario flags as given (seed aside): what they pin, over the defaults or the varied shape. */
  readonly given: Omit<ScenarioInput, 'seed'> | Omit<MeshScenarioInput, 'seed'> | Omit<FullScenarioInput, 'seed'>;
}

/** What the loop needs of one run, whichever simulator ran it. */
interface SeedRun {
  readonly seed: number;
  readonly ok: boolean;
  readonly report: string;
  readonly replay: string;
  readonly events: number;
  readonly frames: number;
  readonly line: string;
}

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Milliseconds, for the progress lines only; never reaches the simulation. */
  now(): number;
}

export const USAGE = `usage: vopr [--mesh | --full] [--seeds N] [--from N] [--seed N] [--vary] [--keep-going] [--verbose] [--trace] [scenario flags]

Runs the deterministic simulator (real protocol code, virtual time, faulty network) over seeds
from..from+seeds-1 (default 0..99) and checks every history. Stops at the first failing seed,
prints its report and a command that replays it exactly, and exits 1.

  --seeds N              how many seeds (default 100)
  --from N               first seed (default 0)
  --seed N               run this one seed only (same as --from N --seeds 1); this is how a
                         printed replay command runs
  --vary                 each seed also picks the scenario's shape (nodes, loss, delays, ...);
                         flags given explicitly still apply
  --keep-going           run every seed, then list all failing ones
  --verbose              one line per seed
  --trace                with --seed: print every protocol input and output
  --mesh                 run mesh (membership tier 1) scenarios: MeshMachine, crashes, pauses,
                         partitions, restarts and leaves; its scenario flags are listed below
  --full                 run whole nodes (NodeMachine: the mesh and several groups on every
                         node), with the mesh's faults, group joins, leaves and multicasts

scenario flags:
${SCENARIO_USAGE}

mesh scenario flags (with --mesh):
${MESH_SCENARIO_USAGE}

full-node scenario flags (with --full):
${FULL_SCENARIO_USAGE}`;

export function parseCli(argv: readonly string[]): CliOptions {
  const mesh = argv.includes('--mesh');
  const full = argv.includes('--full');
  if (mesh && full) throw new Error('--mesh and --full exclude each other');
  const mode: CliMode = mesh ? 'mesh' : full ? 'full' : 'group';
  const flags = argv.filter((a) => a !== '--mesh' && a !== '--full');
  const { scenario, rest } =
    mode === 'mesh'
      ? parseMeshScenarioArgs(flags)
      : mode === 'full'
        ? parseFullScenarioArgs(flags)
        : parseScenarioArgs(flags);
  const seedGiven = argv.some((a) => a === '--seed' || a.startsWith('--seed='));
  let from = seedGiven ? scenario.seed : 0;
  let count = seedGiven ? 1 : 100;
  let vary = false;
  let keepGoing = false;
  let verbose = false;
  let trace = false;
  let help = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    const int = (): number => {
      const text = inline ?? rest[++i];
      const n = Number(text);
      if (text === undefined || !Number.isSafeInteger(n) || n < 0)
        throw new Error(`${flag} needs a non-negative integer`);
      return n;
    };
    if (flag === '--seeds') count = int();
    else if (flag === '--from') from = int();
    else if (flag === '--vary') vary = true;
    else if (flag === '--keep-going') keepGoing = true;
    else if (flag === '--verbose' || flag === '-v') verbose = true;
    else if (flag === '--trace') trace = true;
    else if (flag === '--help' || flag === '-h') help = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  const { seed: _seed, ...given } = scenario;
  return { mode, from, count, vary, keepGoing, verbose, trace, help, given };
}

/** The scenario of one seed: the given flags over the defaults, or over the seed's varied shape. */
export function scenarioFor(options: CliOptions, seed: number): ScenarioInput {
  const given = options.given as Omit<ScenarioInput, 'seed'>;
  if (!options.vary) return { ...given, seed };
  return variedScenario(seed, { ...given, ...(given.faults !== undefined ? { faults: given.faults } : {}) });
}

/** The mesh scenario of one seed (with --mesh). */
export function meshScenarioFor(options: CliOptions, seed: number): MeshScenarioInput {
  const given = options.given as Omit<MeshScenarioInput, 'seed'>;
  if (!options.vary) return { ...given, seed };
  return variedMeshScenario(seed, { ...given, ...(given.faults !== undefined ? { faults: given.faults } : {}) });
}

/** The full-node scenario of one seed (with --full). */
export function fullScenarioFor(options: CliOptions, seed: number): FullScenarioInput {
  const given = options.given as Omit<FullScenarioInput, 'seed'>;
  if (!options.vary) return { ...given, seed };
  return variedFullScenario(seed, { ...given, ...(given.faults !== undefined ? { faults: given.faults } : {}) });
}

/** What every simulator's result has in common, as far as the loop is concerned. */
interface AnyResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly report: string;
  readonly replay: string;
  readonly stats: { readonly events: number; readonly network: { readonly framesSent: number } };
}

function seedRun(r: AnyResult, line: string): SeedRun {
  const { seed, ok, report, replay } = r;
  return { seed, ok, report, replay, events: r.stats.events, frames: r.stats.network.framesSent, line };
}

function runSeed(options: CliOptions, seed: number, trace: ((line: string) => void) | undefined): SeedRun {
  const debug = trace !== undefined ? { trace } : {};
  if (options.mode === 'group') {
    const r = runScenario(scenarioFor(options, seed), debug);
    return seedRun(r, seedLine(r));
  }
  const r =
    options.mode === 'mesh'
      ? runMeshScenario(meshScenarioFor(options, seed), debug)
      : runFullScenario(fullScenarioFor(options, seed), debug);
  const o = r.options;
  const f = o.faults;
  const groups = 'groups' in o ? `${o.groups} groups x ${o.messages} msgs, ` : '';
  const leaves = 'groups' in o ? `${f.leaves} node and ${o.groupLeaves} group leaves` : `${f.leaves} leaves`;
  const shape =
    `${o.nodes} nodes, ${groups}loss ${f.loss}, dup ${f.duplicate}, delay ${f.minDelayMs}-${f.maxDelayMs} ms${f.fifoLinks ? ' fifo' : ''}, ` +
    `${f.crashes} crashes, ${f.pauses} pauses, ${f.partitions} partitions, ${leaves}`;
  const converged = r.convergenceMs === undefined ? 'not converged' : `converged +${r.convergenceMs} ms`;
  const net = r.stats.network;
  return seedRun(
    r,
    `${options.mode} seed ${r.seed} ${r.ok ? 'ok' : 'FAILED'}: ${shape}; ${converged}; ${r.stats.events} events, ${net.framesSent} frames`,
  );
}

/** Runs the CLI; returns the exit code (0 all passed, 1 a seed failed, 2 bad usage). */
export function runCli(argv: readonly string[], io: Io): number {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (error) {
    io.err(`vopr: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    io.out(USAGE);
    return 0;
  }
  if (options.trace && options.count !== 1) {
    io.err('vopr: --trace needs a single seed (--seed N)');
    return 2;
  }
  const started = io.now();
  const failed: SeedRun[] = [];
  const step = Math.max(1, Math.ceil(options.count / 10));
  let events = 0;
  let frames = 0;
  for (let i = 0; i < options.count; i++) {
    const seed = options.from + i;
    let result: SeedRun;
    try {
      result = runSeed(options, seed, options.trace ? io.out : undefined);
    } catch (error) {
      io.err(`vopr: seed ${seed}: ${error instanceof Error ? error.message : String(error)}`);
      return 2;
    }
    events += result.events;
    frames += result.frames;
    if (options.verbose || options.count === 1) io.out(result.line);
    if (!result.ok) {
      failed.push(result);
      if (failed.length === 1) io.out(`\n${result.report}\n`);
      if (!options.keepGoing) break;
    }
    if (!options.verbose && options.count > 1 && ((i + 1) % step === 0 || i + 1 === options.count)) {
      io.err(`  ${i + 1}/${options.count} seeds, ${failed.length} failed (${seconds(io.now() - started)})`);
    }
  }
  const ran = failed.length > 0 && !options.keepGoing ? failed[0]!.seed - options.from + 1 : options.count;
  const tally = `${ran} seed${ran === 1 ? '' : 's'} (${options.from}..${options.from + ran - 1}), ${events} events, ${frames} frames, ${seconds(io.now() - started)}`;
  if (failed.length === 0) {
    io.out(`vopr: all ${tally} passed`);
    return 0;
  }
  io.out(`vopr: ${failed.length} failed of ${tally}: seeds ${failed.map((r) => r.seed).join(', ')}`);
  io.out(`replay the first: ${failed[0]!.replay}`);
  return 1;
}

function seedLine(r: ReturnType<typeof runScenario>): string {
  const o = r.options;
  const f = o.faults;
  const shape = `${o.nodes} nodes x ${o.messagesPerNode} msgs, loss ${f.loss}, dup ${f.duplicate}, delay ${f.minDelayMs}-${f.maxDelayMs} ms${f.fifoLinks ? ' fifo' : ''}`;
  const net = r.stats.network;
  return `seed ${r.seed} ${r.ok ? 'ok' : 'FAILED'}: ${shape}; ${r.stats.events} events, ${net.framesSent} frames (${net.dropped.loss} lost, ${net.duplicated} duplicated)`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
