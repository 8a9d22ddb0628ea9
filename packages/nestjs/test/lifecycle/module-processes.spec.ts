import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { killAllChildren, spawnTracked, startNatsServer, stopAllNatsServers, waitUntil } from '@cohort/nats-harness';
import type { NatsServerProcess, TrackedProcess } from '@cohort/nats-harness';

// CohortModule's lifecycle in real processes: four Nest microservices on Nest's own NATS
// transporter, each a member of one total-order group through CohortModule. On SIGTERM (with
// enableShutdownHooks) Nest closes the microservice's transport before the shutdown hooks run;
// the module leaves over its own connection, so the others see the member as left, not failed.
// A SIGKILLed member is seen as failed. The survivors deliver one and the same sequence.
const fixture = fileURLToPath(new URL('./fixtures/module-member.mjs', import.meta.url));

interface ViewRecord {
  id: number;
  members: string[];
  left: string[];
  failed: string[];
}
interface DeliverRecord {
  sender: string;
  viewId: number;
  seq: number;
  n: number;
}

let server: NatsServerProcess;

beforeAll(async () => {
  server = await startNatsServer({ name: 'nest-lifecycle' });
});

afterEach(async () => {
  await killAllChildren();
});

afterAll(async () => {
  await stopAllNatsServers();
});

function records<T>(proc: TrackedProcess, tag: string): T[] {
  return proc.lines.filter((l) => l.startsWith(`${tag} `)).map((l) => JSON.parse(l.slice(tag.length + 1)) as T);
}

async function start(name: string): Promise<{ proc: TrackedProcess; id: string }> {
  const proc = spawnTracked(process.execPath, [fixture], {
    name,
    stdin: true,
    env: { NATS_URL: server.url, COHORT_NAMESPACE: 'lifecycle', MEMBER_NAME: name },
  });
  const ready = await proc.waitForLine((l) => l.startsWith('READY '), 30_000);
  return { proc, id: (JSON.parse(ready.slice('READY '.length)) as { id: string }).id };
}

async function sendAndAck(members: Array<{ proc: TrackedProcess }>, count: number): Promise<void> {
  const before = members.map((m) => records(m.proc, 'MULTICAST').length);
  for (const m of members) m.proc.writeLine(`send ${count}`);
  await waitUntil(() => members.every((m, i) => records(m.proc, 'MULTICAST').length >= before[i]! + count), 30_000);
}

describe('CohortModule in Nest microservice processes', () => {
  it('SIGTERM is seen as left, SIGKILL as failed; the survivors deliver the same sequence', async () => {
    const members: Array<{ proc: TrackedProcess; id: string }> = [];
    for (const name of ['m1', 'm2', 'm3', 'm4']) members.push(await start(name));
    const [m1, m2, m3, m4] = members as [
      (typeof members)[0],
      (typeof members)[0],
      (typeof members)[0],
      (typeof members)[0],
    ];
    const lastView = (m: { proc: TrackedProcess }) => records<ViewRecord>(m.proc, 'VIEW').at(-1);
    await waitUntil(() => members.every((m) => lastView(m)?.members.length === 4), 30_000);
    await sendAndAck(members, 50);

    await m4.proc.kill('SIGTERM');
    await waitUntil(() => [m1, m2, m3].every((m) => lastView(m)?.members.length === 3), 30_000);
    for (const m of [m1, m2, m3]) expect(lastView(m)).toMatchObject({ left: [m4.id], failed: [] });
    await sendAndAck([m1, m2, m3], 50);

    await m3.proc.kill('SIGKILL');
    await waitUntil(() => [m1, m2].every((m) => lastView(m)?.members.length === 2), 30_000);
    for (const m of [m1, m2]) expect(lastView(m)).toMatchObject({ left: [], failed: [m3.id] });
    await sendAndAck([m1, m2], 50);

    // Everything the survivors multicast is delivered at both, and both delivered one sequence.
    const key = (d: DeliverRecord) => `${d.sender}#${d.viewId}:${d.seq}`;
    await waitUntil(() => records(m1.proc, 'DELIVER').length === records(m2.proc, 'DELIVER').length, 30_000);
    const at1 = records<DeliverRecord>(m1.proc, 'DELIVER').map(key);
    const at2 = records<DeliverRecord>(m2.proc, 'DELIVER').map(key);
    expect(at2).toEqual(at1);
    expect(new Set(at1).size).toBe(at1.length);
    const own = (m: { proc: TrackedProcess; id: string }) =>
      records<{ viewId: number; seq: number }>(m.proc, 'MULTICAST').map((r) => `${m.id}#${r.viewId}:${r.seq}`);
    for (const k of [...own(m1), ...own(m2), ...own(m4)]) expect(at1).toContain(k);
  }, 120_000);
});
