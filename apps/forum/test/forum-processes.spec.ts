import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { spawnTracked, startNatsCluster, stopAllNatsServers } from '@cohort/nats-harness';
import type { NatsClusterProcess, TrackedProcess } from '@cohort/nats-harness';

// Three participants, each on its own server of a 3-node NATS cluster (through one server, a
// message reaches every subscriber before anything sent in answer to it, which would hide a
// causal-order bug), each writing 100 posts, most of them replies to recent posts by anyone.
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const POSTS = 100;

let cluster: NatsClusterProcess;

beforeAll(async () => {
  cluster = await startNatsCluster(3, { name: 'forum' });
});

afterAll(async () => {
  await stopAllNatsServers();
});

interface Summary {
  name: string;
  posts: number;
  orphans: number;
  digest: string;
  views: number;
}

describe('forum participants over a causal-order group', () => {
  it('never deliver a reply before the post it answers, and end with the same discussion', async () => {
    const procs: TrackedProcess[] = ['ann', 'bob', 'cyd'].map((name, i) =>
      spawnTracked(process.execPath, [main], {
        name,
        env: {
          NATS_URL: cluster.urls[i],
          COHORT_NAMESPACE: 'forum-test',
          MEMBER_NAME: name,
          POSTS: String(POSTS),
          MEMBERS: '3',
          IN_FLIGHT: '8',
        },
      }),
    );
    const summaries = await Promise.all(
      procs.map(async (p) => {
        const line = await p.waitForLine((l) => l.startsWith('SUMMARY '), 60_000);
        return JSON.parse(line.slice('SUMMARY '.length)) as Summary;
      }),
    );
    await Promise.all(procs.map((p) => p.exited));
    for (const s of summaries) {
      expect(s).toMatchObject({ posts: 3 * POSTS, orphans: 0 });
      expect(s.digest).toBe(summaries[0]!.digest);
    }
    // Presence: each participant saw all three online at some point; the ends are leaves, not failures.
    for (const p of procs) {
      const presence = p.lines
        .filter((l) => l.startsWith('PRESENCE '))
        .map((l) => JSON.parse(l.slice('PRESENCE '.length)) as { online: string[]; changes: string });
      expect(presence.some((v) => [...v.online].sort().join() === 'ann,bob,cyd')).toBe(true);
      expect(presence.filter((v) => v.changes.includes('failed'))).toEqual([]);
    }
  }, 90_000);
});
