import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAll, formatReport } from '@cohort/checkers';
import type { HistoryEvent, MemberHistory } from '@cohort/checkers';
import { spawnTracked, startNatsServer, stopAllNatsServers } from '@cohort/nats-harness';
import type { NatsServerProcess, TrackedProcess } from '@cohort/nats-harness';

// The walking skeleton end to end: two OS processes, each a Nest application with a
// @GroupMember provider, on a harness-started nats-server; each multicasts 1,000 messages.
const memberScript = fileURLToPath(new URL('../dist/member.js', import.meta.url));
const COUNT = 1000;

let server: NatsServerProcess;
let dir: string;

beforeAll(async () => {
  server = await startNatsServer({ name: 'two-members' });
  dir = mkdtempSync(join(tmpdir(), 'cohort-e2e-'));
});

afterAll(async () => {
  await stopAllNatsServers();
  rmSync(dir, { recursive: true, force: true });
});

describe('two Nest member processes over a real nats-server', () => {
  it('deliver all 2,000 multicasts each, per-sender FIFO, no duplicates, and pass the checkers', async () => {
    const members = ['alice', 'bob'];
    const procs: TrackedProcess[] = [];
    for (const name of members) {
      const proc = spawnTracked(process.execPath, [memberScript], {
        env: {
          ...process.env,
          NATS_URL: server.url,
          COHORT_NAMESPACE: 'e2e',
          MEMBER_NAME: name,
          COUNT: String(COUNT),
          MEMBERS: '2',
          HISTORY_FILE: join(dir, `${name}.json`),
        },
      });
      // Start the second member once the first formed the group (concurrent first starts are
      // the membership issue's merge protocol).
      await proc.waitForLine(/^READY /, 30_000);
      procs.push(proc);
    }
    const exits = await Promise.all(procs.map((p) => p.exited));
    exits.forEach((exit, i) =>
      expect({ member: members[i], ...exit, stderr: procs[i]!.stderr }).toMatchObject({ code: 0 }),
    );

    const histories: MemberHistory[] = members.map((name) => {
      const raw = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as {
        member: string;
        group: string;
        events: HistoryEvent[];
      };
      return { member: raw.member, group: raw.group, ordering: 'fifo', delivery: 'agreed', events: raw.events };
    });
    for (const h of histories) {
      const delivered = h.events.filter((e): e is Extract<HistoryEvent, { kind: 'deliver' }> => e.kind === 'deliver');
      expect(delivered).toHaveLength(2 * COUNT);
      expect(new Set(delivered.map((d) => d.msgId)).size).toBe(2 * COUNT);
      for (const sender of histories.map((x) => x.member)) {
        const seqs = delivered.filter((d) => d.sender === sender).map((d) => Number(d.msgId.split(':')[1]));
        expect(seqs).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
      }
    }
    const result = checkAll(histories);
    if (!result.ok) throw new Error(formatReport(result));
    expect(result.ok).toBe(true);
  }, 90_000);
});
