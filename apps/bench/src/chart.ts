import type { LatencyRow } from './latency-pass.js';
import type { RowFigures } from './report.js';

/** One panel's bars: a label and one or two values (a second, lighter bar: p99 beside p50). */
interface Bar {
  readonly label: string;
  readonly value: number;
  readonly second?: number;
}

const WIDTH = 900;
const LABEL_WIDTH = 330;
const BAR_HEIGHT = 16;
const GAP = 6;
const COLORS = { raw: '#7f8c8d', jetstream: '#e67e22', cohort: '#2e86c1', second: '#aed6f1' } as const;

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panel(title: string, unit: string, bars: readonly (Bar & { color: string })[], top: number): [string, number] {
  const max = Math.max(1e-9, ...bars.map((b) => Math.max(b.value, b.second ?? 0)));
  const scale = (WIDTH - LABEL_WIDTH - 230) / max;
  const parts = [`<text x="10" y="${top + 16}" font-size="15" font-weight="bold">${escape(title)}</text>`];
  let y = top + 30;
  for (const b of bars) {
    parts.push(`<text x="${LABEL_WIDTH - 8}" y="${y + 12}" font-size="12" text-anchor="end">${escape(b.label)}</text>`);
    if (b.second !== undefined) {
      parts.push(
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${(b.second * scale).toFixed(1)}" height="${BAR_HEIGHT}" fill="${COLORS.second}"/>`,
      );
    }
    parts.push(
      `<rect x="${LABEL_WIDTH}" y="${y + (b.second === undefined ? 0 : 4)}" width="${(b.value * scale).toFixed(1)}" height="${b.second === undefined ? BAR_HEIGHT : BAR_HEIGHT - 8}" fill="${b.color}"/>`,
    );
    const text = b.second === undefined ? `${fmt(b.value)} ${unit}` : `${fmt(b.value)} / ${fmt(b.second)} ${unit}`;
    const end = Math.max(b.value, b.second ?? 0) * scale;
    parts.push(`<text x="${LABEL_WIDTH + end + 6}" y="${y + 12}" font-size="11">${escape(text)}</text>`);
    y += BAR_HEIGHT + GAP;
  }
  return [parts.join('\n'), y + 10];
}

function fmt(n: number): string {
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  return n < 10 ? n.toFixed(2) : n.toFixed(1);
}

/**
 * The bench's chart, SVG written by hand (no plotting dependency): delivered/s per member for
 * every scenario of every shape, then latency at half load (p50 dark, p99 light) per shape.
 */
export function renderChart(
  title: string,
  shapes: ReadonlyArray<{
    readonly label: string;
    readonly rows: readonly RowFigures[];
    readonly latency: readonly LatencyRow[];
  }>,
): string {
  const sections: string[] = [];
  let top = 40;
  for (const shape of shapes) {
    const bars = shape.rows.flatMap((r) =>
      r.perMember === undefined ? [] : [{ label: r.label, value: r.perMember, color: COLORS[r.kind] }],
    );
    const [svg, next] = panel(`throughput: ${shape.label}`, 'delivered/s per member', bars, top);
    sections.push(svg);
    top = next;
    const lat = shape.latency.flatMap((l) =>
      l.latency === undefined
        ? []
        : [
            {
              label: `${l.label} @ ${l.rate}/s`,
              value: l.latency.p50,
              second: l.latency.p99,
              color: l.label.startsWith('JetStream') ? COLORS.jetstream : COLORS.cohort,
            },
            ...(l.raw === undefined
              ? []
              : [{ label: `raw NATS @ ${l.rate}/s`, value: l.raw.p50, second: l.raw.p99, color: COLORS.raw }]),
          ],
    );
    if (lat.length > 0) {
      const [svg2, next2] = panel(`latency at half load (p50 / p99): ${shape.label}`, 'ms', lat, top);
      sections.push(svg2);
      top = next2;
    }
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top + 10}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="17" font-weight="bold">${escape(title)}</text>`,
    ...sections,
    '</svg>',
  ].join('\n');
}
