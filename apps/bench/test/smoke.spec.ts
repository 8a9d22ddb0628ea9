import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTracked } from '@cohort/nats-harness';
import type { TrackedProcess } from '@cohort/nats-harness';

// The bench end to end with tiny counts: it starts its server and members, runs every scenario,
// prints a well-formed table and stops everything. Speeds are printed, never asserted.
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const RUN_TIMEOUT_MS = 40_000;
const number = '[\\d,]+';
const ratio = '\\d+\\.\\d\\d';
const measuredRow = (label: string): RegExp =>
  new RegExp(`^${label} +${number} +${number} +${ratio} +${ratio} +\\d+\\.\\d\\ds +-$`);

let bench: TrackedProcess | undefined;

afterAll(async () => {
  // SIGTERM: the bench's harness then stops its nats-server and member processes too.
  await bench?.stop();
});

describe('npm run bench', () => {
  it(
    'runs raw NATS, JetStream and Cohort with the same processes and prints the table',
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
      bench = spawnTracked(
        process.execPath,
        [
          main,
          ...['--messages', '200', '--rounds', '1', '--orderings', 'fifo,total/safe', '--idle-timeout', '3000'],
          ...['--out', out, '--membership-runs', '0'],
        ],
        { name: 'bench' },
      );
      let timer: NodeJS.Timeout | undefined;
      const exit = await Promise.race([
        bench.exited,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`bench did not finish within ${RUN_TIMEOUT_MS} ms`)),
            RUN_TIMEOUT_MS,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      const lines = bench.lines;
      expect({ ...exit, stderr: bench.stderr }).toMatchObject({ code: 0 });
      expect(lines[0]).toMatch(/^cohort bench: each sender sends 200 messages per scenario/);
      expect(lines[1]).toMatch(/^machine: \d+ CPUs .*node v\d+.*nats-server \d+\.\d+\.\d+.*JetStream: R1, memory/);
      expect(lines).toContain('## 3 members, 128 B, all sending');
      const table = lines.findIndex((l) => l.startsWith('scenario '));
      expect(lines[table]).toMatch(
        /^scenario +delivered\/s per member +multicasts\/s group +vs raw NATS +vs JetStream +time +spread$/,
      );
      expect(lines[table + 1]).toMatch(/^-+$/);
      // Rows, each maybe followed by indented details (a raw NATS subscriber may lose messages).
      const end = lines.indexOf('', table);
      expect(end).toBeGreaterThan(table);
      const rows = lines.slice(table + 2, end).filter((l) => !l.startsWith('    '));
      expect(rows).toHaveLength(4);
      expect(rows[0]).toMatch(measuredRow('raw NATS fan-out'));
      expect(rows[1]).toMatch(measuredRow('JetStream \\(memory\\)'));
      const measured: string[] = [];
      for (const [i, variant] of ['fifo/agreed', 'total/safe'].entries()) {
        const row = rows[2 + i] as string;
        if (row.startsWith('ordering '))
          expect(row).toMatch(new RegExp(`^ordering ${variant}: not available \\(.+\\)$`));
        else {
          expect(row).toMatch(measuredRow(`cohort ${variant}`));
          measured.push(`cohort ${variant}`);
        }
      }
      // Resources and latency: one line per measured scenario.
      const resources = lines.findIndex((l) =>
        /^scenario +RSS max per member +CPU per delivery +retransmits per 1k$/.test(l),
      );
      expect(lines[resources + 2]).toMatch(/^raw NATS fan-out +\d+ MiB +[\d.]+ µs +-$/);
      for (const label of measured) {
        const row = lines.slice(resources).find((l) => l.startsWith(`${label} `));
        expect(row).toMatch(new RegExp(`^${label} +\\d+ MiB +[\\d.]+ µs +[\\d.]+$`));
      }
      const latency = lines.findIndex((l) =>
        /^scenario +rate\/sender +p50 ms +p99 ms +max ms +raw p50 ms +p50 vs raw$/.test(l),
      );
      expect(latency).toBeGreaterThan(resources);
      for (const label of measured) {
        expect(lines.slice(latency)).toContainEqual(
          expect.stringMatching(new RegExp(`^${label} +[\\d,]+/s +[\\d.]+ +[\\d.]+ +[\\d.]+ +[\\d.]+ +[\\d.]+×$`)),
        );
      }
      // One more process joins a group while the members multicast (here the traffic is so short
      // that it may be over by then): the view change's cost, in four lines.
      const joinAt = lines.findIndex((l) => l.startsWith('join under load'));
      const joined = lines.slice(joinAt);
      if (joined[0]?.startsWith('join under load: skipped')) expect(measured).toEqual([]);
      else {
        expect(joined[0]).toMatch(
          /^join under load, cohort \w+\/\w+: process 4 called join\(\) \d+ ms into the members' traffic/,
        );
        expect(joined[1]).toMatch(
          /^ {4}join\(\) → first view at the joiner: \d+ ms; → that view installed at every member: /,
        );
        expect(joined[2]).toMatch(/^ {4}members blocked by the flush/);
        expect(joined[3]).toMatch(/^ {4}delivered\/s per member over this run: [\d,]+/);
      }
      expect(lines).toContain('targets (measured, not asserted):');
      // The JSON and the chart are written where --out says.
      const written = lines.find((l) => l.startsWith('results: '))!;
      const [, json, svg] = /^results: (\S+), chart: (\S+)$/.exec(written)!;
      const results = JSON.parse(readFileSync(json!, 'utf8')) as { shapes: Array<{ scenarios: unknown[] }> };
      expect(results.shapes[0]!.scenarios).toHaveLength(4);
      expect(readFileSync(svg!, 'utf8')).toMatch(/^<svg .*<\/svg>$/s);
      rmSync(out, { recursive: true, force: true });
    },
    RUN_TIMEOUT_MS + 2_000,
  );
});
