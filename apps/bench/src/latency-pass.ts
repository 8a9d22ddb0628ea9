import type { MemberClient } from './member-client.js';
import type { LatencySummary, MemberResult } from './messages.js';
import type { RowFigures } from './report.js';
import { median } from './report.js';
import type { ScenarioPlan } from './scenario-plan.js';

/** How long a latency run lasts at its rate: long enough for percentiles, short enough for the run. */
const LATENCY_RUN_MS = 2000;
const MIN_LATENCY_MESSAGES = 200;

/** One scenario's latency at half its measured throughput. */
export interface LatencyRow {
  readonly label: string;
  /** Messages per second per sender. */
  readonly rate: number;
  readonly latency?: LatencySummary;
  /** Raw NATS at the same rate, same processes, run right before: the one-way baseline. */
  readonly raw?: LatencySummary;
  readonly note?: string;
}

/**
 * Members' latencies as one: the median of their p50s, the largest p99 and max (each member's
 * samples stay in that member; the merged percentile would need them all).
 */
export function combine(results: readonly MemberResult[]): LatencySummary | undefined {
  const each = results.flatMap((r) => (r.latency === undefined ? [] : [r.latency]));
  if (each.length === 0) return undefined;
  return {
    count: each.reduce((n, l) => n + l.count, 0),
    p50: median(each.map((l) => l.p50)),
    p99: Math.max(...each.map((l) => l.p99)),
    max: Math.max(...each.map((l) => l.max)),
  };
}

/**
 * For every Cohort row and JetStream: a run at half the throughput the rounds measured for it
 * (per sender: half of delivered/s per member divided by the senders), and for the Cohort rows,
 * raw NATS at that same rate as the baseline. At full speed latency is queueing; at half load it
 * is what an application that is not saturating its group sees.
 */
export async function measureLatency(
  plans: readonly ScenarioPlan[],
  rows: readonly RowFigures[],
  members: readonly MemberClient[],
  senders: number,
  maxMessages: number,
  progress: (line: string) => void,
): Promise<LatencyRow[]> {
  const raw = plans.find((p) => p.kind === 'raw');
  const out: LatencyRow[] = [];
  let round = 1000;
  for (const [i, plan] of plans.entries()) {
    const row = rows[i];
    if (plan.kind === 'raw' || row?.perMember === undefined) continue;
    const rate = Math.max(1, Math.round((row.perMember / senders) * 0.5));
    const messages = Math.min(maxMessages, Math.max(MIN_LATENCY_MESSAGES, Math.round((rate * LATENCY_RUN_MS) / 1000)));
    progress(`latency at half load: ${plan.label}, ${rate}/s per sender`);
    let baseline: LatencySummary | undefined;
    if (plan.kind === 'cohort' && raw !== undefined) {
      const r = await raw.run(members, round++, messages, rate);
      baseline = r.kind === 'measured' ? combine(r.results) : undefined;
    }
    const outcome = await plan.run(members, round++, messages, rate);
    const latency = outcome.kind === 'measured' ? combine(outcome.results) : undefined;
    out.push({
      label: plan.label,
      rate,
      ...(latency === undefined ? {} : { latency }),
      ...(baseline === undefined ? {} : { raw: baseline }),
      ...(outcome.kind === 'measured' ? {} : { note: `${outcome.kind}: ${outcome.reason}` }),
    });
  }
  return out;
}

const ms = (n: number | undefined): string => (n === undefined ? '-' : n < 10 ? n.toFixed(2) : n.toFixed(1));

export function renderLatency(rows: readonly LatencyRow[]): string[] {
  const header = ['scenario', 'rate/sender', 'p50 ms', 'p99 ms', 'max ms', 'raw p50 ms', 'p50 vs raw'];
  const body = rows.map((r) => [
    r.label,
    `${r.rate.toLocaleString('en-US')}/s`,
    ms(r.latency?.p50),
    ms(r.latency?.p99),
    ms(r.latency?.max),
    ms(r.raw?.p50),
    r.latency === undefined || r.raw === undefined ? '-' : `${(r.latency.p50 / r.raw.p50).toFixed(1)}×`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    line(header),
    '-'.repeat(line(header).length),
    ...body.map(line),
    ...rows.flatMap((r) => (r.note === undefined ? [] : [`    ${r.label}: ${r.note}`])),
  ];
}
