import type { RowFigures } from './report.js';

/**
 * Per scenario: the members' largest RSS, CPU time per delivered message (medians over rounds),
 * and for Cohort the retransmissions sent per 1,000 deliveries (repairs of frames the bus lost).
 */
export function renderResources(rows: readonly RowFigures[]): string[] {
  const measured = rows.filter((r) => r.perMember !== undefined);
  if (measured.length === 0) return [];
  const header = ['scenario', 'RSS max per member', 'CPU per delivery', 'retransmits per 1k'];
  const body = measured.map((r) => [
    r.label,
    r.rssMaxMiB === undefined ? '-' : `${r.rssMaxMiB.toFixed(0)} MiB`,
    r.cpuUsPerDelivery === undefined ? '-' : `${r.cpuUsPerDelivery.toFixed(1)} µs`,
    r.retransmitsPer1000 === undefined ? '-' : r.retransmitsPer1000.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), '-'.repeat(line(header).length), ...body.map(line)];
}
