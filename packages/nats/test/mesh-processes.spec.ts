import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { checkAll, formatReport } from '@cohort/checkers';
import { spawnNode, startNatsServer, stopAllNatsServers } from '@cohort/nats-harness';
import type { NatsServerProcess, NodeProcess } from '@cohort/nats-harness';

// Tier 1 of the membership service across OS processes on a real nats-server. Timings are
// printed for the record, never asserted.
const fixture = fileURLToPath(new URL('./fixtures/mesh-node.mjs', import.meta.url));
let server: NatsServerProcess;

async function start(name: string, ns: string): Promise<NodeProcess> {
  const node = await spawnNode({ fixture, name, env: { NATS_URL: server.url, COHORT_NAMESPACE: ns } });
  const first = await node.waitMeshView((v) => v.members.includes(node.id), { what: `a mesh view with ${name} in it` });
  // The process start (Node, imports, connect) is included; the first node of a namespace also
  // waits joinTimeoutMs before it forms a mesh of one.
  console.log(
    `join: process spawned -> in mesh view ${first.id} with ${first.members.length} members: ${first.t - node.spawnedAt} ms`,
  );
  return node;
}

beforeAll(async () => {
  server = await startNatsServer({ name: 'mesh-processes' });
});

afterAll(async () => {
  await stopAllNatsServers();
});

describe('the mesh across OS processes', () => {
  it('removes a SIGKILLed root, a SIGSTOPped node wakes up removed, a SIGTERMed node is seen as left', async () => {
    const [n1, n2, n3] = [await start('n1', 'm1'), await start('n2', 'm1'), await start('n3', 'm1')];
    await Promise.all([n1, n2, n3].map((n) => n.waitMeshView((v) => v.members.length === 3)));

    const killedAt = Date.now();
    n1.proc.kill('SIGKILL');
    const afterKill = await Promise.all([n2, n3].map((n) => n.waitMeshView((v) => v.failed.includes(n1.id))));
    expect(afterKill[0]).toMatchObject({ members: [n2.id, n3.id] });
    expect(afterKill[1]).toEqual({ ...afterKill[0], t: afterKill[1]!.t });
    console.log(
      `SIGKILL of the root -> new mesh view at all survivors: ${Math.max(...afterKill.map((v) => v.t)) - killedAt} ms`,
    );

    const n4 = await start('n4', 'm1');
    await n2.waitMeshView((v) => v.members.length === 3);
    const stoppedAt = Date.now();
    n3.proc.pause();
    const afterStop = await n2.waitMeshView((v) => v.failed.includes(n3.id));
    console.log(`SIGSTOP -> removal at the root: ${afterStop.t - stoppedAt} ms`);
    n3.proc.resume();
    await n3.waitMeshStatus('removed');
    // It never resumes in an old view: it rejoins as a new incarnation, the youngest node.
    const reborn = `${n3.id}-2`;
    await n2.waitMeshView((v) => v.members.includes(reborn), { what: `${reborn} back in the mesh` });

    const termAt = Date.now();
    n4.proc.kill('SIGTERM');
    const afterTerm = await n2.waitMeshView((v) => v.left.includes(n4.id));
    expect(afterTerm).toMatchObject({ members: [n2.id, reborn], failed: [] });
    expect((await n4.proc.exited).code).toBe(0);
    console.log(`SIGTERM (graceful leave) -> new view at the root: ${afterTerm.t - termAt} ms`);

    const result = checkAll(
      [n1, n2, n3, n4].flatMap((n) => n.histories('$mesh', n === n1)),
      { quiescent: false },
    );
    if (!result.ok) throw new Error(formatReport(result));
    n2.proc.kill('SIGKILL');
    n3.proc.kill('SIGKILL');
  }, 60_000);

  it('changes no view when the nats-server is down for 1.5 s: each node pauses its failure detector while disconnected', async () => {
    const nodes = [await start('r1', 'm2'), await start('r2', 'm2'), await start('r3', 'm2')];
    await Promise.all(nodes.map((n) => n.waitMeshView((v) => v.members.length === 3)));
    const before = nodes.map((n) => n.meshViews().length);
    const restartedAt = Date.now();
    // An outage longer than suspectAfterMs + verifyTimeoutMs (600 ms by default).
    await server.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await server.restart();
    // Well past suspectAfterMs + verifyTimeoutMs once everyone is back.
    await new Promise((r) => setTimeout(r, 2500));
    nodes.forEach((n, i) => {
      expect(n.meshViews()).toHaveLength(before[i]!);
      expect(n.proc.lines.filter((l) => l.startsWith('STATUS ')).at(-1)).toContain('"member"');
    });
    console.log(`nats-server down 1.5 s: handled without a view change (${Date.now() - restartedAt} ms observed)`);
    for (const n of nodes) n.proc.kill('SIGKILL');
  }, 60_000);
});
