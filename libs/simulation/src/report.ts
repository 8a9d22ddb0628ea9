import type { CheckAllResult } from '@cohort/checkers';
import { formatReport } from '@cohort/checkers';
import type { ScenarioOptions } from './scenario.js';
import type { SimStats } from './simulator.js';

export interface ReportInput {
  readonly seed: number;
  readonly options: ScenarioOptions;
  readonly check: CheckAllResult;
  readonly stats: SimStats;
  readonly timeline: readonly string[];
  readonly replay: string;
}

/** Failing-run report: seed and replay command first, since that is what one acts on. */
export function formatFailure(run: ReportInput, timelineLines = 40): string {
  const { stats } = run;
  const net = stats.network;
  const lines = [
    `seed ${run.seed} FAILED`,
    `replay: ${run.replay}`,
    formatReport(run.check),
    `run: ${stats.events} events, ${stats.virtualTimeMs} ms virtual; frames ${net.framesSent} sent, ${net.delivered} delivered, ` +
      `${net.dropped.loss} lost, ${net.duplicated} duplicated, ${net.dropped.partition} cut by partitions, ${net.dropped.unreachable} unreachable`,
    'nodes:',
    ...stats.nodes.map(
      (n) =>
        `  ${n.id}: ${n.state}/${n.status ?? '-'} in view ${n.finalViewId ?? '-'}; multicasts ${n.issued} issued, ${n.acknowledged} acked, ` +
        `${n.rejected} rejected, ${n.unresolved} unresolved; ${n.delivered} delivered; drops ${formatCounts(n.drops)}`,
    ),
  ];
  const shown = run.timeline.slice(-timelineLines);
  lines.push(
    `timeline${shown.length < run.timeline.length ? ` (last ${shown.length} of ${run.timeline.length})` : ''}:`,
  );
  for (const line of shown) lines.push(`  ${line}`);
  return lines.join('\n');
}

function formatCounts(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}
