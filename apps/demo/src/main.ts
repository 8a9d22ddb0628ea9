import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTracked, startNatsServer, stopAllNatsServers } from '@cohort/nats-harness';
import type { TrackedProcess } from '@cohort/nats-harness';

/**
 * `npm run demo`: starts a local nats-server and two Nest member processes that join one group,
 * multicast, and print what each delivered; then stops everything it started (also on Ctrl-C).
 * The replicated-ledger demo of the README issue replaces this walking-skeleton version.
 */
const MEMBERS = ['alice', 'bob'] as const;
const COUNT = Number(process.env['COUNT'] ?? 5);
const memberScript = fileURLToPath(new URL('./member.js', import.meta.url));

interface Done {
  id: string;
  delivered: number;
  bySender: Record<string, number>;
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-demo-'));
  const server = await startNatsServer({ name: 'demo' });
  console.log(`nats-server ${server.url} (pid ${server.pid})`);
  const procs: Array<{ name: string; proc: TrackedProcess; history: string }> = [];
  try {
    for (const name of MEMBERS) {
      const history = join(dir, `${name}.json`);
      const proc = spawnTracked(process.execPath, [memberScript], {
        env: {
          ...process.env,
          NATS_URL: server.url,
          COHORT_NAMESPACE: 'demo',
          MEMBER_NAME: name,
          COUNT: String(COUNT),
          MEMBERS: String(MEMBERS.length),
          HISTORY_FILE: history,
        },
      });
      const ready = await proc.waitForLine(/^READY /, 20_000);
      console.log(`${name}: started as ${ready.slice(6)} (pid ${proc.pid})`);
      procs.push({ name, proc, history });
    }
    const results: Done[] = [];
    for (const { name, proc, history } of procs) {
      const done = await proc.waitForLine(/^DONE /, 60_000);
      const exit = await proc.exited;
      if (exit.code !== 0) throw new Error(`${name} exited with ${exit.code ?? exit.signal}: ${proc.stderr}`);
      for (const line of proc.lines.filter((l) => l.startsWith('VIEW '))) console.log(`${name}: ${line}`);
      const events = (JSON.parse(readFileSync(history, 'utf8')) as { events: Array<{ kind: string; msgId?: string }> })
        .events;
      const order = events.filter((e) => e.kind === 'deliver').map((e) => e.msgId!.replace(/-[0-9a-f]+:/, ':'));
      console.log(`${name}: delivered ${order.join(' ')}`);
      results.push(JSON.parse(done.slice(5)) as Done);
    }
    const expected = COUNT * MEMBERS.length;
    const ok = results.every((r) => r.delivered === expected);
    console.log(ok ? `every member delivered all ${expected} messages` : `MISMATCH: ${JSON.stringify(results)}`);
    return ok ? 0 : 1;
  } finally {
    for (const { proc } of procs) proc.kill('SIGKILL');
    await stopAllNatsServers();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(`demo failed: ${(error as Error)?.stack ?? String(error)}`);
    await stopAllNatsServers();
    process.exit(1);
  },
);
