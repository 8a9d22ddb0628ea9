import { variantLabel } from './cli.js';
import type { MemberResult } from './messages.js';
import type { ScenarioPlan } from './scenario-plan.js';
import type { ScenarioOutcome } from './scenario-runner.js';

/** The two throughput figures of one scenario in one round, from what every member measured. */
export interface Throughput {
  /** Mean over members of (messages it delivered) / (its time from go to its last delivery). */
  readonly perMember: number;
  /** Messages sent by all members / time until the last member's last delivery. */
  readonly groupWide: number;
  readonly elapsedMs: number;
  /** Members that did not receive everything, as `name: got/expected arrived`. */
  readonly shortfalls: readonly string[];
  readonly notes: readonly string[];
}

export function throughputOf(names: readonly string[], results: readonly MemberResult[]): Throughput {
  const rates = results.map((r) => r.delivered / Math.max(r.elapsedMs / 1000, 1e-6));
  const elapsedMs = Math.max(...results.map((r) => r.elapsedMs));
  const sent = results.reduce((sum, r) => sum + r.sent, 0);
  return {
    perMember: rates.reduce((sum, r) => sum + r, 0) / rates.length,
    groupWide: sent / Math.max(elapsedMs / 1000, 1e-6),
    elapsedMs,
    shortfalls: results.flatMap((r, i) =>
      r.delivered < r.expected ? [`${names[i]}: ${r.delivered}/${r.expected} arrived`] : [],
    ),
    notes: results.flatMap((r, i) => (r.note === undefined ? [] : [`${names[i]}: ${r.note}`])),
  };
}

/** A table row: the plan and what each round gave (index = round - 1). */
export interface PlanResults {
  readonly plan: ScenarioPlan;
  readonly outcomes: readonly ScenarioOutcome[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const COLUMNS = [
  { title: 'scenario', width: 24, align: 'left' },
  { title: 'delivered/s per member', width: 22, align: 'right' },
  { title: 'multicasts/s group', width: 18, align: 'right' },
  { title: 'vs raw NATS', width: 11, align: 'right' },
  { title: 'vs JetStream', width: 12, align: 'right' },
  { title: 'time', width: 7, align: 'right' },
  { title: 'spread', width: 6, align: 'right' },
] as const;

function cells(values: readonly string[]): string {
  return COLUMNS.map((c, i) => {
    const v = values[i] ?? '';
    return c.align === 'left' ? v.padEnd(c.width) : v.padStart(c.width);
  })
    .join('  ')
    .trimEnd();
}

const rate = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Per round, the measured throughput (undefined where the round did not measure). */
function roundThroughputs(names: readonly string[], outcomes: readonly ScenarioOutcome[]): (Throughput | undefined)[] {
  return outcomes.map((o) => (o.kind === 'measured' ? throughputOf(names, o.results) : undefined));
}

/**
 * Median over rounds of this row's per-member rate divided by the baseline's in the same round:
 * pairing by round keeps a slow round (another process on the machine) out of the ratio.
 */
function pairedRatio(row: readonly (Throughput | undefined)[], base: readonly (Throughput | undefined)[]): string {
  const ratios = row.flatMap((t, i) => {
    const b = base[i];
    return t === undefined || b === undefined ? [] : [t.perMember / b.perMember];
  });
  return ratios.length === 0 ? '-' : median(ratios).toFixed(2);
}

function rowLines(
  results: PlanResults,
  names: readonly string[],
  raw: readonly (Throughput | undefined)[],
  jetstream: readonly (Throughput | undefined)[],
): string[] {
  const { plan, outcomes } = results;
  const unavailable = outcomes.find((o) => o.kind === 'unavailable');
  if (unavailable !== undefined) {
    const name = plan.variant === undefined ? plan.label : variantLabel(plan.variant);
    return [`ordering ${name}: not available (${unavailable.reason})`];
  }
  const rounds = roundThroughputs(names, outcomes);
  const measured = rounds.filter((t): t is Throughput => t !== undefined);
  const failures = outcomes.flatMap((o, i) => (o.kind === 'failed' ? [`round ${i + 1} failed: ${o.reason}`] : []));
  if (measured.length === 0) return [`${plan.label}: failed (${failures.join('; ')})`];
  const perMember = measured.map((t) => t.perMember);
  const mid = median(perMember);
  const row = cells([
    plan.label,
    rate(mid),
    rate(median(measured.map((t) => t.groupWide))),
    plan.kind === 'raw' ? '1.00' : pairedRatio(rounds, raw),
    plan.kind === 'jetstream' ? '1.00' : pairedRatio(rounds, jetstream),
    `${(median(measured.map((t) => t.elapsedMs)) / 1000).toFixed(2)}s`,
    measured.length < 2 ? '-' : `${Math.round(((Math.max(...perMember) - Math.min(...perMember)) / mid) * 100)}%`,
  ]);
  const details = rounds.flatMap((t, i) =>
    t === undefined
      ? []
      : [
          ...(t.shortfalls.length === 0 ? [] : [`round ${i + 1} incomplete: ${t.shortfalls.join(', ')}`]),
          ...t.notes.map((note) => `round ${i + 1}: ${note}`),
        ],
  );
  return [row, ...[...failures, ...details].map((line) => `    ${line}`)];
}

/** The whole table: header, one row per plan, indented lines for whatever went short. */
export function renderTable(rows: readonly PlanResults[], names: readonly string[]): string[] {
  const find = (kind: ScenarioPlan['kind']) =>
    roundThroughputs(names, rows.find((r) => r.plan.kind === kind)?.outcomes ?? []);
  const raw = find('raw');
  const jetstream = find('jetstream');
  const header = cells(COLUMNS.map((c) => c.title));
  return [header, '-'.repeat(header.length), ...rows.flatMap((r) => rowLines(r, names, raw, jetstream))];
}

/** Medians over the measured rounds of one row, undefined when no round measured. */
export function medianThroughput(
  names: readonly string[],
  outcomes: readonly ScenarioOutcome[],
): { perMember: number; elapsedMs: number } | undefined {
  const measured = roundThroughputs(names, outcomes).filter((t): t is Throughput => t !== undefined);
  if (measured.length === 0) return undefined;
  return { perMember: median(measured.map((t) => t.perMember)), elapsedMs: median(measured.map((t) => t.elapsedMs)) };
}

/** One row's figures, as the JSON results carry them. */
export interface RowFigures {
  readonly label: string;
  readonly kind: ScenarioPlan['kind'];
  readonly variant?: string;
  /** Medians over the measured rounds; undefined where no round measured. */
  readonly perMember?: number;
  readonly groupWide?: number;
  readonly vsRaw?: number;
  readonly vsJetStream?: number;
  /** Largest member RSS over the rounds, MiB. */
  readonly rssMaxMiB?: number;
  /** Median over rounds of the members' CPU time per message delivered, µs. */
  readonly cpuUsPerDelivery?: number;
  /** Cohort only: retransmissions the members sent per 1,000 messages they delivered, over all rounds. */
  readonly retransmitsPer1000?: number;
  readonly rounds: readonly (Throughput | undefined)[];
  readonly unavailable?: string;
  readonly failures: readonly string[];
}

function pairedRatioValue(row: readonly (Throughput | undefined)[], base: readonly (Throughput | undefined)[]) {
  const ratios = row.flatMap((t, i) => {
    const b = base[i];
    return t === undefined || b === undefined ? [] : [t.perMember / b.perMember];
  });
  return ratios.length === 0 ? undefined : median(ratios);
}

/** Every row's figures: the numbers behind renderTable, plus the members' resources. */
export function figures(rows: readonly PlanResults[], names: readonly string[]): RowFigures[] {
  const find = (kind: ScenarioPlan['kind']) =>
    roundThroughputs(names, rows.find((r) => r.plan.kind === kind)?.outcomes ?? []);
  const raw = find('raw');
  const jetstream = find('jetstream');
  return rows.map(({ plan, outcomes }) => {
    const rounds = roundThroughputs(names, outcomes);
    const measured = rounds.filter((t): t is Throughput => t !== undefined);
    const results = outcomes.flatMap((o) => (o.kind === 'measured' ? [o.results] : []));
    const unavailable = outcomes.find((o) => o.kind === 'unavailable');
    const vsRaw = plan.kind === 'raw' ? 1 : pairedRatioValue(rounds, raw);
    const vsJetStream = plan.kind === 'jetstream' ? 1 : pairedRatioValue(rounds, jetstream);
    const rss = results.flat().flatMap((r) => (r.rssMaxBytes === undefined ? [] : [r.rssMaxBytes]));
    const cpu = results.flatMap((rs) => {
      const per = rs.flatMap((r) => (r.cpuUs === undefined || r.delivered === 0 ? [] : [r.cpuUs / r.delivered]));
      return per.length === 0 ? [] : [per.reduce((a, b) => a + b, 0) / per.length];
    });
    const repaired = results.flat().filter((r) => r.repairs !== undefined);
    const deliveredRepaired = repaired.reduce((n, r) => n + r.delivered, 0);
    const retransmits = repaired.reduce((n, r) => n + r.repairs!.retransmissions, 0);
    return {
      label: plan.label,
      kind: plan.kind,
      ...(deliveredRepaired === 0 ? {} : { retransmitsPer1000: (1000 * retransmits) / deliveredRepaired }),
      ...(plan.variant === undefined ? {} : { variant: variantLabel(plan.variant) }),
      ...(measured.length === 0
        ? {}
        : {
            perMember: median(measured.map((t) => t.perMember)),
            groupWide: median(measured.map((t) => t.groupWide)),
          }),
      ...(vsRaw === undefined ? {} : { vsRaw }),
      ...(vsJetStream === undefined ? {} : { vsJetStream }),
      ...(rss.length === 0 ? {} : { rssMaxMiB: Math.max(...rss) / 2 ** 20 }),
      ...(cpu.length === 0 ? {} : { cpuUsPerDelivery: median(cpu) }),
      rounds,
      ...(unavailable?.kind === 'unavailable' ? { unavailable: unavailable.reason } : {}),
      failures: outcomes.flatMap((o, i) => (o.kind === 'failed' ? [`round ${i + 1}: ${o.reason}`] : [])),
    };
  });
}
