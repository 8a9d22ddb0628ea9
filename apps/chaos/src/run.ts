import type { DeliveryMode, Ordering } from '@cohort/checkers';
import { startNatsCluster } from '@cohort/nats-harness';
import type { NatsClusterProcess } from '@cohort/nats-harness';
import { reproduceCommand } from './cli.js';
import { MemberPool } from './member-pool.js';
import { ServerSampler, memoryFigures } from './memory.js';
import { runNemesis } from './nemesis.js';
import type { FaultRecord } from './nemesis.js';
import { quietPhase } from './quiet-phase.js';
import { buildReport, formatSchedule } from './report.js';
import type { ChaosReport } from './report.js';
import { resultsDir, saveHistories, saveLogs, saveReport, saveSchedule } from './results.js';
import { planSchedule, slotName } from './schedule.js';
import type { Schedule, SlowMode } from './schedule.js';

// One chaos run: cluster, members, nemesis, quiet phase, checkers, report. The CLI (main.ts) and
// the short run inside `npm test` (test/chaos.spec.ts) both call runChaos.

export interface ChaosOptions {
  readonly seed: number;
  /** How long the plan's faults span (the run takes longer: start-up, settling, quiet phase). */
  readonly durationMs: number;
  readonly ordering: Ordering;
  readonly delivery: DeliveryMode;
  readonly long?: boolean;
  /** Long mode's slow consumer (default deaf). */
  readonly slow?: SlowMode;
  /** Replay this schedule instead of planning one from the seed. */
  readonly schedule?: Schedule;
  /** Where `schedule` came from, for the reproduce command. */
  readonly scheduleFile?: string;
  /** Results go under this directory; undefined: nothing is saved. */
  readonly out?: string;
  readonly sendEveryMs?: number;
  readonly maxInFlight?: number;
  /** How long a fault, the start and the quiet phase may take to converge. Default 30 s. */
  readonly settleTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

const DEFAULT_SEND_EVERY_MS = 10;
const DEFAULT_MAX_IN_FLIGHT = 4;
const MEM_EVERY_MS = 1_000;
const SETTLE_TIMEOUT_MS = 30_000;

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const startedAt = Date.now();
  const long = options.long ?? false;
  const slow = options.slow ?? 'deaf';
  const schedule = options.schedule ?? planSchedule({ seed: options.seed, durationMs: options.durationMs, long, slow });
  const settings = {
    seed: schedule.seed,
    durationMs: schedule.durationMs,
    ordering: options.ordering,
    delivery: options.delivery,
    long,
    sendEveryMs: options.sendEveryMs ?? DEFAULT_SEND_EVERY_MS,
    maxInFlight: options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
  };
  const reproduce = reproduceCommand({
    ...settings,
    slow,
    ...(options.scheduleFile === undefined ? {} : { scheduleFile: options.scheduleFile }),
  });
  const settleTimeoutMs = options.settleTimeoutMs ?? SETTLE_TIMEOUT_MS;
  const mode = { ordering: options.ordering, delivery: options.delivery };
  for (const line of formatSchedule(schedule)) log(line);
  log(`reproduce: ${reproduce}`);
  // The schedule is on disk before anything runs: a runner that dies still leaves it.
  const dir = options.out === undefined ? undefined : await resultsDir(options.out, schedule.seed, startedAt);
  if (dir !== undefined) await saveSchedule(dir, schedule);

  const cluster: NatsClusterProcess = await startNatsCluster(3, { name: `chaos-${schedule.seed}` });
  const pool = new MemberPool(cluster, `chaos-${schedule.seed}-${startedAt.toString(36)}`, {
    mode,
    sendEveryMs: settings.sendEveryMs,
    maxInFlight: settings.maxInFlight,
    memEveryMs: MEM_EVERY_MS,
  });
  const servers = new ServerSampler(cluster);
  try {
    const errors: string[] = [];
    let workloadStartedAt = Date.now();
    let faults: FaultRecord[] = schedule.faults.map((fault, i) => ({
      index: i + 1,
      fault,
      notes: [],
      skipped: 'the group did not form',
    }));
    try {
      await startGroup(pool, schedule.members, settleTimeoutMs);
      workloadStartedAt = Date.now();
      log(`group formed: ${schedule.members} members in one view, ${workloadStartedAt - startedAt} ms after start`);
      faults = await runNemesis({ pool, cluster, startedAt: workloadStartedAt, settleTimeoutMs, log }, schedule.faults);
    } catch (error) {
      errors.push(`start-up: ${(error as Error).message}`);
      log(errors.at(-1)!);
    }
    const quiet = await quietPhase({ pool, cluster, mode, timeoutMs: settleTimeoutMs, log });
    const memory = memoryFigures(pool.processes, workloadStartedAt);
    await servers.stop();
    const report = buildReport({
      settings,
      schedule,
      startedAt,
      workloadStartedAt,
      faults,
      pool,
      quiet,
      memory,
      serverMemory: servers.figures(workloadStartedAt),
      slowConsumerCutoffs: servers.slowConsumers(),
      reproduce,
      errors,
    });
    if (dir === undefined) return report;
    const saved = { ...report, resultsDir: dir };
    await saveReport(dir, saved);
    await saveHistories(dir, quiet.histories);
    await saveLogs(dir, pool.processes);
    return saved;
  } finally {
    await servers.stop();
    await pool.killAll();
    await cluster.stop();
  }
}

/**
 * m1 first, so that it creates the group (two first members at once could each create one, and
 * two meshes would merge); the others then join at once.
 */
async function startGroup(pool: MemberPool, members: number, timeoutMs: number): Promise<void> {
  const first = await pool.spawn(slotName(1));
  await pool.traffic.until('m1 in a view of its own', () => pool.traffic.converged([first]), timeoutMs);
  const count = Math.max(members, 1);
  await Promise.all(Array.from({ length: count - 1 }, (_, i) => pool.spawn(slotName(i + 2))));
  await pool.traffic.until(
    `${count} members in one view`,
    () => pool.live().length === count && pool.traffic.converged(pool.live()),
    timeoutMs,
  );
}
