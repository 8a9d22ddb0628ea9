import { afterAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { spawnTracked } from '@cohort/nats-harness';
import type { TrackedProcess } from '@cohort/nats-harness';

// The bench end to end with tiny counts: it starts its server and members, runs every scenario,
// prints a well-formed table and stops everything. Speeds are printed, never asserted.
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const RUN_TIMEOUT_MS = 18_000;
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
      bench = spawnTracked(
        process.execPath,
        [main, '--messages', '200', '--rounds', '1', '--orderings', 'fifo,total/safe', '--idle-timeout', '3000'],
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
      expect(lines[0]).toMatch(/^cohort bench: 3 member processes, each sends 200 messages of 128 B per scenario/);
      expect(lines[1]).toMatch(/^machine: \d+ CPUs .*node v\d+.*nats-server \d+\.\d+\.\d+/);
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
      expect(rows[1]).toMatch(measuredRow('JetStream \\(file\\)'));
      for (const [i, variant] of ['fifo/agreed', 'total/safe'].entries()) {
        const row = rows[2 + i] as string;
        if (row.startsWith('ordering '))
          expect(row).toMatch(new RegExp(`^ordering ${variant}: not available \\(.+\\)$`));
        else expect(row).toMatch(measuredRow(`cohort ${variant}`));
      }
      // One more process joins a group while the members multicast (here the traffic is so short
      // that it may be over by then): the view change's cost, in four lines.
      const join = lines.slice(end + 1);
      if (join[0]?.startsWith('join under load: skipped'))
        expect(rows.filter((r) => r.startsWith('cohort'))).toEqual([]);
      else {
        expect(join[0]).toMatch(
          /^join under load, cohort \w+\/\w+: process 4 called join\(\) \d+ ms into the members' traffic/,
        );
        expect(join[1]).toMatch(
          /^ {4}join\(\) → first view at the joiner: \d+ ms; → that view installed at every member: /,
        );
        expect(join[2]).toMatch(/^ {4}members blocked by the flush/);
        expect(join[3]).toMatch(/^ {4}delivered\/s per member over this run: [\d,]+/);
      }
    },
    RUN_TIMEOUT_MS + 2_000,
  );
});
