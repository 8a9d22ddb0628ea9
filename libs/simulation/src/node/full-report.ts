import type { CheckAllResult } from '@cohort/checkers';
import { formatReport } from '@cohort/checkers';
import type { FullNodeStats, FullSimStats } from './full-result.js';
import type { FullScenarioOptions } from './full-scenario.js';

export interface FullReportInput {
  readonly seed: number;
  readonly options: FullScenarioOptions;
  readonly check: CheckAllResult;
  readonly convergenceMs: number | undefined;
  readonly stats: FullSimStats;
  readonly timeline: readonly string[];
  readonly replay: string;
}

/** Failing full-node run: seed and replay command first, since that is what one acts on. */
export function formatFullFailure(run: FullReportInput, timelineLines = 80): string {
  const { stats } = run;
  const net = stats.network;
  const converged =
    run.convergenceMs === undefined
      ? 'not converged at the end'
      : `${run.convergenceMs} ms after the quiet phase started`;
  const lines = [
    `full seed ${run.seed} FAILED`,
    `replay: ${run.replay}`,
    formatReport(run.check),
    `convergence (mesh and groups): ${converged}`,
    `run: ${stats.events} events, ${stats.virtualTimeMs} ms virtual, ${stats.concurrentJoins} concurrent group joins; ` +
      `frames ${net.framesSent} sent, ${net.delivered} delivered, ${net.dropped.loss} lost, ${net.duplicated} duplicated, ` +
      `${net.dropped.partition} cut by partitions, ${net.dropped.unreachable} unreachable`,
    'nodes:',
    ...stats.nodes.flatMap(describeNode),
  ];
  const shown = run.timeline.slice(-timelineLines);
  const skipped = run.timeline.length - shown.length;
  lines.push(`timeline${skipped > 0 ? ` (last ${shown.length} of ${run.timeline.length})` : ''}:`);
  lines.push(...shown.map((line) => `  ${line}`));
  return lines.join('\n');
}

function describeNode(n: FullNodeStats): string[] {
  const head =
    `  ${n.id}: ${n.state}/${n.meshStatus ?? '-'} in mesh view ${n.meshViewId ?? '-'} [${(n.meshMembers ?? []).join(',')}]` +
    `; started t=${n.startedAt ?? '-'}; drops ${counts(n.drops)}`;
  return [
    head,
    ...n.groups.map(
      (g) =>
        `    ${g.group}: ${g.status ?? '-'} in view ${g.finalViewId ?? '-'} [${(g.finalMembers ?? []).join(',')}]` +
        `; joined t=${g.joinedAt}; ${g.acknowledged}/${g.issued} acknowledged, ${g.delivered} delivered; drops ${counts(g.drops)}`,
    ),
  ];
}

function counts(byKey: Readonly<Record<string, number>>): string {
  const text = Object.entries(byKey)
    .map(([key, n]) => `${key} ${n}`)
    .join(', ');
  return text === '' ? 'none' : text;
}
