import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsClusterProcess, NodeProcess } from '@cohort/nats-harness';
import type { MemberPool } from './member-pool.js';
import { describeFault } from './schedule.js';
import type { Fault } from './schedule.js';

// Applies the schedule's faults one at a time: apply, heal after the fault's duration, then wait
// until every live member has installed one view of exactly the live members ("settled") before
// the next fault may start. One fault at a time keeps at least 4 of 5 members running and the
// mesh's majority intact whatever the fault (a server restart can cost the group the members
// attached to it, but never together with another loss), so that every fault must be survived.

/** A fault starts at least this long after the previous one settled. */
const MIN_GAP_MS = 500;
/** Members the group keeps whatever the nemesis does. */
const MIN_LIVE = 3;

export interface FaultRecord {
  readonly index: number;
  readonly fault: Fault;
  /** ms after the workload started. */
  startedAtMs?: number;
  healedAtMs?: number;
  settledAtMs?: number;
  /** The process (and its id) the fault hit, or the server. */
  target?: string;
  /** What happened besides the fault itself, e.g. a removal and rejoin. */
  notes: string[];
  skipped?: string;
  error?: string;
}

export interface NemesisContext {
  readonly pool: MemberPool;
  readonly cluster: NatsClusterProcess;
  /** Date.now() when the workload started: fault times are offsets from it. */
  readonly startedAt: number;
  readonly settleTimeoutMs: number;
  readonly log: (line: string) => void;
}

/** Runs every fault in order; stops at the first one that fails or does not settle (the rest are skipped). */
export async function runNemesis(ctx: NemesisContext, faults: readonly Fault[]): Promise<FaultRecord[]> {
  const records: FaultRecord[] = faults.map((fault, i) => ({ index: i + 1, fault, notes: [] }));
  let ready = Date.now();
  for (const record of records) {
    const wait = Math.max(ctx.startedAt + record.fault.at, ready) - Date.now();
    if (wait > 0) await sleep(wait);
    await applyOne(ctx, record);
    if (record.error !== undefined) {
      for (const rest of records.slice(record.index)) rest.skipped = `after fault #${record.index} failed`;
      break;
    }
    ready = Date.now() + MIN_GAP_MS;
  }
  return records;
}

const offset = (ctx: NemesisContext): number => Date.now() - ctx.startedAt;

async function applyOne(ctx: NemesisContext, record: FaultRecord): Promise<void> {
  const { fault } = record;
  record.startedAtMs = offset(ctx);
  ctx.log(`fault #${record.index} at +${(record.startedAtMs / 1000).toFixed(1)}s: ${describeFault(fault)}`);
  const before = new Map(ctx.pool.live().map((n) => [n, ctx.pool.traffic.self(n)]));
  try {
    const skip = await inject(ctx, record);
    if (skip !== undefined) {
      record.skipped = skip;
      ctx.log(`  skipped: ${skip}`);
      return;
    }
    record.healedAtMs = offset(ctx);
    await ctx.pool.traffic.until(
      `fault #${record.index} (${fault.kind}) settled: every live member in one view of exactly the live members`,
      () => ctx.pool.traffic.converged(ctx.pool.live()),
      ctx.settleTimeoutMs,
    );
    record.settledAtMs = offset(ctx);
  } catch (error) {
    record.error = (error as Error).message;
    ctx.log(`  fault #${record.index} failed: ${record.error}`);
    return;
  }
  for (const [node, id] of before) {
    const now = ctx.pool.traffic.self(node);
    if (node.proc.running && now !== id) record.notes.push(`${node.name} was removed and rejoined as ${now}`);
  }
  const took = record.settledAtMs - record.startedAtMs;
  ctx.log(`  settled ${took} ms after it started${record.notes.length > 0 ? `; ${record.notes.join('; ')}` : ''}`);
}

/** Applies the fault and heals it; returns why it was skipped, if it was. */
async function inject(ctx: NemesisContext, record: FaultRecord): Promise<string | undefined> {
  const { pool, cluster } = ctx;
  const { fault } = record;
  const name = (n: NodeProcess): string => `${n.name} (${pool.traffic.self(n)})`;
  switch (fault.kind) {
    case 'kill-member':
    case 'kill-coordinator': {
      const victim = fault.kind === 'kill-coordinator' ? pool.coordinator() : pool.member(fault.target);
      if (victim === undefined) return `no running process in slot ${fault.target}`;
      if (pool.live().length - 1 < MIN_LIVE) return `killing ${victim.name} would leave fewer than ${MIN_LIVE}`;
      const slot = pool.slotOf(victim);
      record.target = name(victim);
      await pool.kill(victim);
      await sleep(fault.durationMs);
      const replacement = await pool.spawn(slot);
      record.notes.push(`replaced by ${name(replacement)}`);
      return undefined;
    }
    case 'pause-member': {
      const node = pool.member(fault.target);
      if (node === undefined) return `no running process in slot ${fault.target}`;
      record.target = name(node);
      node.proc.pause();
      await sleep(fault.durationMs);
      node.proc.resume();
      return undefined;
    }
    case 'restart-server': {
      const server = cluster.servers[Number(fault.target.slice('nats-'.length)) - 1];
      if (server === undefined) return `no server ${fault.target}`;
      record.target = `${fault.target} (${server.url})`;
      await server.kill('SIGKILL');
      await sleep(fault.durationMs);
      await server.restart();
      return undefined;
    }
    case 'join': {
      const node = await pool.spawn(fault.target);
      record.target = name(node);
      return undefined;
    }
    case 'slow-consumer': {
      const node = pool.member(fault.target);
      if (node === undefined) return `no running process in slot ${fault.target}`;
      record.target = name(node);
      pool.startSlow(node, fault);
      await sleep(fault.durationMs);
      pool.stopSlow(node);
      return undefined;
    }
  }
}
