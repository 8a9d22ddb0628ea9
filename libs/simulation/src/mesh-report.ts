import type { CheckAllResult } from '@cohort/checkers';
import { formatReport } from '@cohort/checkers';
import type { MeshScenarioOptions } from './mesh-scenario.js';
import type { MeshSimStats } from './mesh-simulator.js';

export interface MeshReportInput {
  readonly seed: number;
  readonly options: MeshScenarioOptions;
  readonly check: CheckAllResult;
  readonly convergenceMs: number | undefined;
  readonly stats: MeshSimStats;
  readonly timeline: readonly string[];
  readonly replay: string;
}

/** Failing mesh run: seed and replay command first, since that is what one acts on. */
export function formatMeshFailure(run: MeshReportInput, timelineLines = 60): string {
  const { stats } = run;
  const net = stats.network;
  const lines = [
    `mesh seed ${run.seed} FAILED`,
    `replay: ${run.replay}`,
    formatReport(run.check),
    `convergence: ${run.convergenceMs === undefined ? 'not converged at the end' : `${run.convergenceMs} ms after the quiet phase started`}`,
    `run: ${stats.events} events, ${stats.virtualTimeMs} ms virtual; frames ${net.framesSent} sent, ${net.delivered} delivered, ` +
      `${net.dropped.loss} lost, ${net.duplicated} duplicated, ${net.dropped.partition} cut by partitions, ${net.dropped.unreachable} unreachable`,
    'nodes:',
    ...stats.nodes.map(
      (n) =>
        `  ${n.id}: ${n.state}/${n.status ?? '-'} in view ${n.finalViewId ?? '-'} [${(n.finalMembers ?? []).join(',')}]` +
        `; started t=${n.startedAt ?? '-'}; drops ${formatCounts(n.drops)}`,
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
