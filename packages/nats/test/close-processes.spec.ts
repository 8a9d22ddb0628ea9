import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { spawnNode, startNatsServer, stopAllNatsServers } from '@cohort/nats-harness';
import type { NatsServerProcess, NodeProcess } from '@cohort/nats-harness';

// Every node of a mesh closed at the same moment, as a deployment that stops all its replicas does.
const fixture = fileURLToPath(new URL('./fixtures/mesh-node.mjs', import.meta.url));
let server: NatsServerProcess;
const running: NodeProcess[] = [];

beforeAll(async () => {
  server = await startNatsServer({ name: 'close-processes' });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.proc.kill('SIGKILL')));
});

afterAll(async () => {
  await stopAllNatsServers();
});

describe('closing every node at once, across OS processes', () => {
  // Every member of the mesh view is a leaver: no next view can be committed, so each node sees
  // that everyone is leaving and goes. This used to hang each close() for its 2 × joinTimeoutMs.
  it('each node leaves the mesh (status left) before it exits', async () => {
    const nodes: NodeProcess[] = [];
    for (const name of ['c1', 'c2', 'c3']) {
      const node = await spawnNode({ fixture, name, env: { NATS_URL: server.url, COHORT_NAMESPACE: 'c1' } });
      running.push(node);
      nodes.push(node);
    }
    await Promise.all(nodes.map((n) => n.waitMeshView((v) => v.members.length === nodes.length)));
    const exits = await Promise.all(nodes.map((n) => n.proc.stop(10_000)));
    expect(exits).toEqual(nodes.map(() => ({ code: 0, signal: null })));
    expect(nodes.map((n) => n.records<{ status: string }>('STATUS').at(-1)?.status)).toEqual(nodes.map(() => 'left'));
  }, 30_000);
});
