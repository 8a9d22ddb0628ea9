import type { CheckAllResult } from './check-all.js';
import { ANOMALY_KINDS } from './result.js';

export interface ReportOptions {
  // Examples shown per failed check and per anomaly set. Default 10.
  examples?: number;
}

// A compact text report: one line per check, a few examples under each failed one, then the
// anomaly sets with counts. Meant for test failure messages and CI logs.
export function formatReport(result: CheckAllResult, options: ReportOptions = {}): string {
  const limit = options.examples ?? 10;
  const failed = result.results.filter((r) => !r.ok);
  const total = failed.reduce((sum, r) => sum + r.count, 0);
  const lines = [
    result.ok
      ? `history check: ok (${result.results.length} checks)`
      : `history check: FAILED (${failed.length} of ${result.results.length} checks, ${total} violations)`,
  ];
  const width = Math.max(...result.results.map((r) => r.name.length));
  for (const r of result.results) {
    if (r.ok) {
      lines.push(`  ok    ${r.name}`);
      continue;
    }
    lines.push(`  FAIL  ${r.name.padEnd(width)}  ${r.count} violation${r.count === 1 ? '' : 's'}`);
    const shown = r.violations.slice(0, limit);
    for (const v of shown) {
      const tag = v.guarantee !== r.name ? `[${v.guarantee}] ` : '';
      lines.push(`        - ${tag}${v.message}`);
    }
    if (r.count > shown.length) lines.push(`        … and ${r.count - shown.length} more`);
  }
  const anomalies = ANOMALY_KINDS.map((kind) => {
    const ids = result.summary[kind];
    if (ids.length === 0) return `${kind} 0`;
    const more = ids.length > limit ? ', …' : '';
    return `${kind} ${ids.length} [${ids.slice(0, limit).join(', ')}${more}]`;
  });
  lines.push(`anomalies: ${anomalies.join('; ')}`);
  return lines.join('\n');
}
