import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { checkAll, formatReport } from '@cohort/checkers';
import type { HistoryEvent, MemberHistory } from '@cohort/checkers';
import { spawnTracked, startNatsServer, stopAllNatsServers } from '@cohort/nats-harness';
import type { NatsServerProcess, TrackedProcess } from '@cohort/nats-harness';
import type { View } from '../src/index.js';

// Tier 1 of the membership service across OS processes on a real nats-server. Timings are
// printed for the record, never asserted.
const fixture = fileURLToPath(new URL('./fixtures/mesh-node.mjs', import.meta.url));
let server: NatsServerProcess;

interface MeshLine {
  t: number;
  id: number;
  members: string[];
  failed: string[];
  left: string[];
}

class Node {
  id = '';
  constructor(
    readonly name: string,
    readonly proc: TrackedProcess,
  ) {}

  meshLines(): MeshLine[] {
    return this.proc.lines.filter((l) => l.startsWith('MESH ')).map((l) => JSON.parse(l.slice(5)) as MeshLine);
  }

  async waitView(pred: (v: MeshLine) => boolean, timeoutMs = 10_000): Promise<MeshLine> {
    const line = await this.proc.waitForLine(
      (l) => l.startsWith('MESH ') && pred(JSON.parse(l.slice(5)) as MeshLine),
      timeoutMs,
    );
    return JSON.parse(line.slice(5)) as MeshLine;
  }

  async waitStatus(status: string, timeoutMs = 10_000): Promise<void> {
    await this.proc.waitForLine(
      (l) => l.startsWith('STATUS ') && (JSON.parse(l.slice(7)) as { status: string }).status === status,
      timeoutMs,
    );
  }

  history(crashed: boolean): MemberHistory {
    const events: HistoryEvent[] = this.meshLines().map((v) => ({
      kind: 'install',
      view: {
        group: '$mesh',
        id: v.id,
        members: v.members,
        coordinator: v.members[0]!,
        joined: [],
        left: v.left,
        failed: v.failed,
      } as View,
    }));
    if (crashed) events.push({ kind: 'crash' });
    return { member: this.id, group: '$mesh', ordering: 'fifo', delivery: 'agreed', events };
  }
}

async function start(name: string, ns: string): Promise<Node> {
  const spawnedAt = Date.now();
  const proc = spawnTracked(process.execPath, [fixture], {
    env: { ...process.env, NATS_URL: server.url, COHORT_NAMESPACE: ns, NODE_NAME: name },
  });
  const node = new Node(name, proc);
  node.id = (await proc.waitForLine(/^READY /, 15_000)).slice(6);
  const first = await node.waitView((v) => v.members.includes(node.id));
  // The process start (Node, imports, connect) is included; the first node of a namespace also
  // waits joinTimeoutMs before it forms a mesh of one.
  console.log(
    `join: process spawned -> in mesh view ${first.id} with ${first.members.length} members: ${first.t - spawnedAt} ms`,
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
    await Promise.all([n1, n2, n3].map((n) => n.waitView((v) => v.members.length === 3)));

    const killedAt = Date.now();
    n1.proc.kill('SIGKILL');
    const afterKill = await Promise.all([n2, n3].map((n) => n.waitView((v) => v.failed.includes(n1.id))));
    expect(afterKill[0]).toMatchObject({ members: [n2.id, n3.id] });
    expect(afterKill[1]).toEqual({ ...afterKill[0], t: afterKill[1]!.t });
    console.log(
      `SIGKILL of the root -> new mesh view at all survivors: ${Math.max(...afterKill.map((v) => v.t)) - killedAt} ms`,
    );

    const n4 = await start('n4', 'm1');
    await n2.waitView((v) => v.members.length === 3);
    const stoppedAt = Date.now();
    n3.proc.pause();
    const afterStop = await n2.waitView((v) => v.failed.includes(n3.id));
    console.log(`SIGSTOP -> removal at the root: ${afterStop.t - stoppedAt} ms`);
    n3.proc.resume();
    await n3.waitStatus('removed');
    expect(n3.meshLines().every((v) => v.members.includes(n3.id))).toBe(true);

    const termAt = Date.now();
    n4.proc.kill('SIGTERM');
    const afterTerm = await n2.waitView((v) => v.left.includes(n4.id));
    expect(afterTerm).toMatchObject({ members: [n2.id], failed: [] });
    expect((await n4.proc.exited).code).toBe(0);
    console.log(`SIGTERM (graceful leave) -> new view at the root: ${afterTerm.t - termAt} ms`);

    const result = checkAll([n1.history(true), n2.history(false), n3.history(false), n4.history(false)], {
      quiescent: false,
    });
    if (!result.ok) throw new Error(formatReport(result));
    n2.proc.kill('SIGKILL');
    n3.proc.kill('SIGKILL');
  }, 60_000);

  it('changes no view when the nats-server is down for 1.5 s: each node pauses its failure detector while disconnected', async () => {
    const nodes = [await start('r1', 'm2'), await start('r2', 'm2'), await start('r3', 'm2')];
    await Promise.all(nodes.map((n) => n.waitView((v) => v.members.length === 3)));
    const before = nodes.map((n) => n.meshLines().length);
    const restartedAt = Date.now();
    // An outage longer than suspectAfterMs + verifyTimeoutMs (600 ms by default).
    await server.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await server.restart();
    // Well past suspectAfterMs + verifyTimeoutMs once everyone is back.
    await new Promise((r) => setTimeout(r, 2500));
    nodes.forEach((n, i) => {
      expect(n.meshLines()).toHaveLength(before[i]!);
      expect(n.proc.lines.filter((l) => l.startsWith('STATUS ')).at(-1)).toContain('"member"');
    });
    console.log(`nats-server down 1.5 s: handled without a view change (${Date.now() - restartedAt} ms observed)`);
    for (const n of nodes) n.proc.kill('SIGKILL');
  }, 60_000);
});
