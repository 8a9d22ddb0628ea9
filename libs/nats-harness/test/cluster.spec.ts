import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { liveChildren, startNatsCluster, stopAllNatsServers } from '../src/index.js';
import type { NatsClusterProcess, NatsServerProcess } from '../src/index.js';
import { deliver, isAlive } from './helpers.js';

let cluster: NatsClusterProcess;
const pids = new Set<number>();
const connections: NatsConnection[] = [];

async function client(url: string): Promise<NatsConnection> {
  // Clients learn the other nodes from the cluster; pin them to the node under test.
  const nc = await connect({ servers: url, ignoreClusterUpdates: true });
  connections.push(nc);
  return nc;
}

beforeAll(async () => {
  cluster = await startNatsCluster(3, { name: 'spec-cluster' });
  for (const server of cluster.servers) pids.add(server.pid);
}, 30_000);

afterAll(async () => {
  await Promise.all(connections.map((nc) => nc.close()));
  await cluster?.stop();
  await stopAllNatsServers();
  expect(liveChildren()).toEqual([]);
  expect([...pids].filter(isAlive)).toEqual([]);
});

describe('startNatsCluster', () => {
  it('starts three routed nodes on distinct ports', async () => {
    expect(cluster.servers).toHaveLength(3);
    expect(cluster.urls).toEqual(cluster.servers.map((s) => s.url));
    const ports = cluster.servers.flatMap((s) => [s.port, s.monitorPort, s.clusterPort]);
    expect(new Set(ports).size).toBe(9);
    for (const server of cluster.servers) {
      expect((await server.routez()).num_routes).toBeGreaterThanOrEqual(2);
      expect((await server.varz())['cluster']).toMatchObject({ name: 'spec-cluster' });
    }
  });

  it('delivers a message published on node 1 to a subscriber on node 3', async () => {
    const [url1, , url3] = cluster.urls as [string, string, string];
    expect(await deliver(await client(url1), await client(url3), 'harness.cluster', 'across')).toBe('across');
  });

  it('lets a SIGKILLed node restart on its ports and rejoin the cluster', async () => {
    const [node1, node2, node3] = cluster.servers as [NatsServerProcess, NatsServerProcess, NatsServerProcess];
    const { pid, clusterPort } = node2;
    await node2.kill('SIGKILL');
    expect(isAlive(pid)).toBe(false);

    await node2.restart();
    pids.add(node2.pid);
    expect(node2.clusterPort).toBe(clusterPort);
    // restart() waited for node 2's own routes; the others must see it again too.
    expect((await node2.routez()).num_routes).toBeGreaterThanOrEqual(2);
    await node1.waitForRoutes(2, 15_000);
    await node3.waitForRoutes(2, 15_000);
    expect(await deliver(await client(node2.url), await client(node3.url), 'harness.rejoined', 'back')).toBe('back');
  }, 30_000);
});
