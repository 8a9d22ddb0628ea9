import { ANOMALY_KINDS } from '@cohort/checkers';
import type { AnomalyKind, CheckAllResult } from '@cohort/checkers';
import type { NodeProcess } from '@cohort/nats-harness';
import { GROUP } from './member-pool.js';
import type { MemberPool } from './member-pool.js';
import { GROWTH_CRITERION } from './memory.js';
import type { MemoryFigures } from './memory.js';
import type { FaultRecord } from './nemesis.js';
import type { QuietOutcome } from './quiet-phase.js';
import { describeFault, describeSchedule } from './schedule.js';
import type { Schedule } from './schedule.js';

// What a run found, as JSON (saved with the histories) and as text (stdout).

export interface RunSettings {
  readonly seed: number;
  readonly durationMs: number;
  readonly ordering: string;
  readonly delivery: string;
  readonly long: boolean;
  readonly sendEveryMs: number;
  readonly maxInFlight: number;
}

export interface MemberSummary {
  readonly name: string;
  readonly slot: string;
  /** Its ids, one per incarnation. */
  readonly ids: string[];
  readonly crashed: boolean;
  readonly sent: number;
  readonly acked: number;
  readonly rejected: number;
  readonly delivered: number;
  readonly groupViews: number;
}

/** The group's multicast rate before and during one slow-consumer fault: did the slow member hold everyone back? */
export interface SlowImpact {
  readonly fault: number;
  readonly member: string;
  /** Multicasts sent per second by all members: in the 10 s before the fault, and while it lasted. */
  readonly sendRateBefore: number;
  readonly sendRateDuring: number;
  /** Deliveries per second at the slow member and at the others (mean per member) while it lasted. */
  readonly deliveryRateSlow: number;
  readonly deliveryRateOthers: number;
  /** Whether the slow member was removed from the group meanwhile (a view naming it failed). */
  readonly removed: boolean;
  /** The longest stretch of the fault in which no member sent anything: the senders' windows were full. */
  readonly longestSendGapMs: number;
}

export interface ChaosReport {
  readonly ok: boolean;
  /** Why not ok, one line each. */
  readonly failures: string[];
  readonly settings: RunSettings;
  readonly startedAt: string;
  readonly wallMs: number;
  readonly schedule: Schedule;
  readonly faults: FaultRecord[];
  readonly members: MemberSummary[];
  readonly totals: {
    sent: number;
    acked: number;
    rejected: number;
    delivered: number;
    groupViewIds: number;
    meshViewIds: number;
    /** Members the primary mesh removed that came back as a new incarnation. */
    rejoins: number;
  };
  readonly anomalies: Record<AnomalyKind, number>;
  /** Up to 20 msgIds of each kind. */
  readonly anomalyExamples: Record<AnomalyKind, string[]>;
  readonly checks: { name: string; ok: boolean; count: number; examples: string[] }[];
  readonly quiet: { converged: boolean; drained: boolean; failures: string[] };
  /**
   * Stretches in which a member was blocked (it could not reach a majority of the mesh): how many,
   * how many ended with the member back in the same view (nobody had removed it), and those in
   * which it still sent or delivered (DESIGN §3.11 says it must not; a failure).
   */
  readonly blocked: { spans: number; resumed: number; withTraffic: string[] };
  readonly memory: MemoryFigures[];
  /** The nats-servers' RSS (from /varz), where a member that does not read has its backlog. */
  readonly serverMemory: MemoryFigures[];
  /** Per server: clients it cut off as slow consumers (/varz slow_consumers). */
  readonly slowConsumerCutoffs: Record<string, number>;
  readonly memoryCriterion: string;
  readonly slowImpact: SlowImpact[];
  readonly reproduce: string;
  readonly resultsDir?: string;
}

export interface ReportInput {
  readonly settings: RunSettings;
  readonly schedule: Schedule;
  readonly startedAt: number;
  readonly workloadStartedAt: number;
  readonly faults: FaultRecord[];
  readonly pool: MemberPool;
  readonly quiet: QuietOutcome;
  readonly memory: MemoryFigures[];
  readonly serverMemory: MemoryFigures[];
  readonly slowConsumerCutoffs: Record<string, number>;
  readonly reproduce: string;
  /** Errors outside the faults (start-up), if any. */
  readonly errors: string[];
}

export function buildReport(input: ReportInput): ChaosReport {
  const { pool, quiet, settings } = input;
  const members = pool.processes.map((n) => memberSummary(pool, n));
  const check: CheckAllResult = quiet.check;
  const anomalies = Object.fromEntries(ANOMALY_KINDS.map((k) => [k, check.summary[k].length])) as Record<
    AnomalyKind,
    number
  >;
  const spans = pool.processes.flatMap((n) => n.blockedSpans(GROUP));
  const withTraffic = spans
    .filter((b) => b.traffic.length > 0)
    .map(
      (b) =>
        `${b.member} sent or delivered ${b.traffic.length} messages while blocked (${b.traffic.slice(0, 3).join(', ')})`,
    );
  const failures = [...input.errors, ...withTraffic];
  for (const kind of ANOMALY_KINDS) if (anomalies[kind] > 0) failures.push(`${anomalies[kind]} ${kind} messages`);
  for (const r of check.results) if (!r.ok) failures.push(`check ${r.name}: ${r.count} violations`);
  for (const r of input.faults)
    if (r.error !== undefined) failures.push(`fault #${r.index}: ${r.error.split('\n')[0]}`);
  for (const n of pool.processes) {
    if (n.proc.running || pool.crashed.has(n)) continue;
    const exit = n.proc.exitInfo;
    const stderr = n.proc.stderr.trim().split('\n').slice(-3).join(' | ');
    failures.push(
      `${n.name} exited on its own (code ${exit?.code ?? '-'}, signal ${exit?.signal ?? '-'})${stderr ? `: ${stderr}` : ''}`,
    );
  }
  if (!quiet.converged) failures.push('the quiet phase did not converge to one view of every live member');
  else if (!quiet.drained) failures.push('the quiet phase did not drain the final view');
  if (settings.long) {
    for (const m of [...input.memory, ...input.serverMemory]) {
      if (m.unboundedGrowth === true) failures.push(`${m.member}: memory grew past the criterion`);
    }
  }
  return {
    ok: failures.length === 0,
    failures,
    settings,
    startedAt: new Date(input.startedAt).toISOString(),
    wallMs: Date.now() - input.startedAt,
    schedule: input.schedule,
    faults: input.faults,
    members,
    totals: {
      sent: sum(members.map((m) => m.sent)),
      acked: sum(members.map((m) => m.acked)),
      rejected: sum(members.map((m) => m.rejected)),
      delivered: sum(members.map((m) => m.delivered)),
      groupViewIds: distinctViews(pool.processes, 'GVIEW'),
      meshViewIds: distinctViews(pool.processes, 'MESH'),
      rejoins: sum(members.map((m) => m.ids.length - 1)),
    },
    anomalies,
    anomalyExamples: Object.fromEntries(ANOMALY_KINDS.map((k) => [k, check.summary[k].slice(0, 20)])) as Record<
      AnomalyKind,
      string[]
    >,
    checks: check.results.map((r) => ({
      name: r.name,
      ok: r.ok,
      count: r.count,
      examples: r.violations.slice(0, 5).map((v) => v.message),
    })),
    quiet: { converged: quiet.converged, drained: quiet.drained, failures: quiet.failures },
    blocked: { spans: spans.length, resumed: spans.filter((b) => b.to !== undefined).length, withTraffic },
    memory: input.memory,
    serverMemory: input.serverMemory,
    slowConsumerCutoffs: input.slowConsumerCutoffs,
    memoryCriterion: GROWTH_CRITERION,
    slowImpact: slowImpacts(pool, input.faults, input.workloadStartedAt),
    reproduce: input.reproduce,
  };
}

function memberSummary(pool: MemberPool, n: NodeProcess): MemberSummary {
  const totals = pool.traffic.totals(n);
  return {
    name: n.name,
    slot: pool.slotOf(n),
    ids: n.incarnations(),
    crashed: pool.crashed.has(n),
    ...totals,
    groupViews: n.groupViews(GROUP).length,
  };
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

function distinctViews(processes: readonly NodeProcess[], tag: 'GVIEW' | 'MESH'): number {
  const ids = new Set<number>();
  for (const n of processes) for (const v of n.records<{ id: number }>(tag)) ids.add(v.id);
  return ids.size;
}

function slowImpacts(pool: MemberPool, faults: readonly FaultRecord[], startedAt: number): SlowImpact[] {
  const out: SlowImpact[] = [];
  const times = (n: NodeProcess, tag: string): number[] => n.records<{ t: number }>(tag).map((r) => r.t);
  const count = (ts: readonly number[], from: number, to: number): number =>
    ts.filter((t) => t >= from && t < to).length;
  const sends = pool.processes.map((n) => times(n, 'SEND'));
  for (const r of faults) {
    if (r.fault.kind !== 'slow-consumer' || r.startedAtMs === undefined || r.healedAtMs === undefined) continue;
    const from = startedAt + r.startedAtMs;
    const to = startedAt + r.healedAtMs;
    const before = Math.max(startedAt, from - 10_000);
    const slow = pool.processes.find((n) => r.target?.startsWith(`${n.name} (`));
    if (slow === undefined) continue;
    // The members that were there meanwhile (spawned before it, delivered something during it).
    const others = pool.processes.filter(
      (n) => n !== slow && n.spawnedAt < from && count(times(n, 'DELIVER'), from, to) > 0,
    );
    const rate = (n: number, ms: number): number => (ms > 0 ? Math.round((n * 1000) / ms) : 0);
    const ids = new Set(slow.incarnations());
    const removed = others.some((n) =>
      n.groupViews(GROUP).some((v) => v.t >= from && v.failed.some((f) => ids.has(f))),
    );
    out.push({
      fault: r.index,
      member: slow.name,
      sendRateBefore: rate(sum(sends.map((ts) => count(ts, before, from))), from - before),
      sendRateDuring: rate(sum(sends.map((ts) => count(ts, from, to))), to - from),
      deliveryRateSlow: rate(count(times(slow, 'DELIVER'), from, to), to - from),
      deliveryRateOthers: rate(
        sum(others.map((n) => count(times(n, 'DELIVER'), from, to))) / Math.max(1, others.length),
        to - from,
      ),
      removed,
      longestSendGapMs: longestGap(sends.flat(), from, to),
    });
  }
  return out;
}

function longestGap(times: readonly number[], from: number, to: number): number {
  const inside = times.filter((t) => t >= from && t < to).sort((a, b) => a - b);
  let gap = 0;
  let last = from;
  for (const t of [...inside, to]) {
    gap = Math.max(gap, t - last);
    last = t;
  }
  return gap;
}

const secs = (ms: number | undefined): string => (ms === undefined ? '-' : `+${(ms / 1000).toFixed(1)}s`);

/** The report as text, for stdout. */
export function formatChaosReport(r: ChaosReport, verbose = false): string[] {
  const s = r.settings;
  const lines = [
    `chaos run: seed ${s.seed}, ${s.durationMs / 1000} s of faults, ${s.ordering}/${s.delivery}` +
      `${s.long ? ', long mode' : ''}; wall time ${(r.wallMs / 1000).toFixed(1)} s`,
    '',
    'faults',
  ];
  for (const f of r.faults) {
    const outcome = f.skipped
      ? `skipped (${f.skipped})`
      : f.error !== undefined
        ? `FAILED: ${f.error.split('\n')[0]}`
        : `started ${secs(f.startedAtMs)}, settled ${secs(f.settledAtMs)}`;
    const notes = f.notes.length > 0 ? `; ${f.notes.join('; ')}` : '';
    lines.push(`  #${f.index} ${describeFault(f.fault)} -> ${f.target ?? '-'}: ${outcome}${notes}`);
  }
  const applied = r.faults.filter((f) => f.settledAtMs !== undefined).length;
  const t = r.totals;
  lines.push(
    `  ${applied} of ${r.faults.length} applied and settled`,
    '',
    `traffic: ${t.sent} multicasts sent, ${t.acked} acknowledged, ${t.rejected} rejected; ${t.delivered} deliveries; ` +
      `${t.groupViewIds} group views, ${t.meshViewIds} mesh views; ${t.rejoins} removals followed by a rejoin; ` +
      `${r.blocked.spans} times blocked (${r.blocked.resumed} back in the same view, ${r.blocked.withTraffic.length} with traffic meanwhile)`,
  );
  if (verbose) {
    lines.push('members');
    for (const m of r.members) {
      lines.push(
        `  ${m.name} [${m.slot}] ${m.ids.join(' -> ')}${m.crashed ? ' (SIGKILLed)' : ''}: sent ${m.sent}, ` +
          `acked ${m.acked}, rejected ${m.rejected}, delivered ${m.delivered}, ${m.groupViews} views`,
      );
    }
  }
  lines.push(
    '',
    `anomalies: ${ANOMALY_KINDS.map((k) => `${k} ${r.anomalies[k]}`).join(', ')}`,
    `checks: ${r.checks.filter((c) => c.ok).length} of ${r.checks.length} ok` +
      (r.checks.some((c) => !c.ok)
        ? ` (failed: ${r.checks
            .filter((c) => !c.ok)
            .map((c) => `${c.name} ${c.count}`)
            .join(', ')})`
        : ''),
  );
  for (const c of r.checks.filter((x) => !x.ok)) for (const e of c.examples) lines.push(`  ${c.name}: ${e}`);
  for (const kind of ANOMALY_KINDS) {
    if (r.anomalyExamples[kind].length > 0) lines.push(`  ${kind}: ${r.anomalyExamples[kind].join(', ')}`);
  }
  for (const f of r.quiet.failures) lines.push(`quiet phase: ${f}`);
  for (const si of r.slowImpact) {
    lines.push(
      `slow consumer #${si.fault} (${si.member}): group sends ${si.sendRateBefore}/s before, ${si.sendRateDuring}/s during; ` +
        `deliveries ${si.deliveryRateSlow}/s at it, ${si.deliveryRateOthers}/s at each other member; ` +
        `longest stretch without any multicast ${(si.longestSendGapMs / 1000).toFixed(1)} s; ` +
        `${si.removed ? 'it was removed' : 'it stayed in the group'}`,
    );
  }
  if (r.memory.some((m) => m.samples > 0)) {
    lines.push(
      '',
      `memory (MiB; flagged: ${r.memoryCriterion})`,
      '  process       rss first  rss 1 min  rss end  rss max  heap max',
    );
    for (const m of [...r.memory, ...r.serverMemory]) {
      const cell = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(1)).padStart(9);
      lines.push(
        `  ${m.member.padEnd(12)}${cell(m.rssFirst)}  ${cell(m.rssAt1Min)} ${cell(m.rssEnd)}${cell(m.rssMax)} ${cell(m.heapMax)}` +
          (m.unboundedGrowth === true ? '  UNBOUNDED GROWTH' : ''),
      );
    }
  }
  const cutoffs = Object.entries(r.slowConsumerCutoffs).filter(([, n]) => n > 0);
  if (cutoffs.length > 0) {
    lines.push(`slow consumers cut off by the servers: ${cutoffs.map(([s, n]) => `${s} ${n}`).join(', ')}`);
  }
  lines.push('');
  if (r.ok) {
    lines.push('OK: no anomalies, every check passed');
  } else {
    lines.push('FAILED:', ...r.failures.map((f) => `  ${f}`), '', 'reproduce with:', `  ${r.reproduce}`);
    if (r.resultsDir !== undefined) {
      lines.push(
        `  npm run chaos -- --schedule ${r.resultsDir}/schedule.json   (the same faults, from the saved schedule)`,
      );
    }
  }
  if (r.resultsDir !== undefined)
    lines.push(`results: ${r.resultsDir}/ (report.json, schedule.json, histories.json, logs/)`);
  return lines;
}

/** The schedule as printed before a run starts. */
export function formatSchedule(schedule: Schedule): string[] {
  return [`schedule (seed ${schedule.seed}, ${schedule.faults.length} faults):`, ...describeSchedule(schedule)];
}
