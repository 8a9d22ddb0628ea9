import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  FAST_OPTIONS,
  silentLogger,
  startNatsServer,
  stopAllNatsServers,
  waitUntil as until,
} from '@cohort/nats-harness';
import type { NatsServerProcess } from '@cohort/nats-harness';
import { InvalidNameError, NatsConnectError, bytesCodec, connect } from '../src/index.js';
import type { Delivery, NatsCohortNode } from '../src/index.js';

const silent = silentLogger;
const fast = { ...FAST_OPTIONS, joinTimeoutMs: 300 };
let server: NatsServerProcess;
const nodes: NatsCohortNode[] = [];

async function node(name: string, extra: object = {}): Promise<NatsCohortNode> {
  const n = await connect({
    servers: server.url,
    namespace: 'it',
    name,
    logger: silent,
    ...fast,
    ...extra,
    nats: { reconnectTimeWait: 100 },
  });
  nodes.push(n);
  return n;
}

beforeAll(async () => {
  server = await startNatsServer({ name: 'nats-package' });
});

afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.close()));
});

afterAll(async () => {
  await stopAllNatsServers();
});

describe('connect() over a real nats-server', () => {
  it('sends a 5 MB payload, more than the max_payload of the server, in pieces and delivers it whole', async () => {
    // Default failure detection: encoding, sending and reassembling 5 MB holds each event loop for
    // tens of ms, which on a loaded 2-core machine exceeds the fast settings' 90 ms suspicion and
    // would remove a node in the middle of the test.
    const patient = { heartbeatMs: 100, suspectAfterMs: 400, verifyTimeoutMs: 200, joinTimeoutMs: 1000 };
    const a = await (await node('a', patient)).join<Uint8Array>('big', { codec: bytesCodec });
    const bNode = await node('b', patient);
    const b = await bNode.join<Uint8Array>('big', { codec: bytesCodec });
    await until(() => a.view.members.length === 2);
    expect(bNode.maxPayloadBytes).toBeLessThan(5_000_000);
    const got: Uint8Array[] = [];
    b.messages$.subscribe((d) => got.push(d.payload));
    const payload = Uint8Array.from({ length: 5 * 1024 * 1024 }, (_, i) => (i * 31) % 253);
    await a.multicast(payload);
    await a.multicast(new Uint8Array([42]));
    await until(() => got.length === 2, 20_000);
    expect(got[0]!.length).toBe(payload.length);
    expect(Buffer.from(got[0]!).equals(Buffer.from(payload))).toBe(true);
    expect(got[1]).toEqual(new Uint8Array([42]));
  }, 30_000);

  it('joins two nodes into one group and delivers both ways in per-sender order', async () => {
    const a = await (await node('a')).join<number>('g');
    const bNode = await node('b');
    const b = await bNode.join<number>('g');
    await until(() => a.view.members.length === 2);
    expect(b.view.members[1]).toBe(bNode.id);
    const atA: Delivery<number>[] = [];
    const atB: Delivery<number>[] = [];
    a.messages$.subscribe((d) => atA.push(d));
    b.messages$.subscribe((d) => atB.push(d));
    await Promise.all(Array.from({ length: 200 }, (_, i) => a.multicast(i)));
    await Promise.all(Array.from({ length: 200 }, (_, i) => b.multicast(1000 + i)));
    await until(() => atA.length === 400 && atB.length === 400);
    for (const list of [atA, atB]) {
      expect(list.filter((d) => d.payload < 1000).map((d) => d.payload)).toEqual(
        Array.from({ length: 200 }, (_, i) => i),
      );
      expect(list.filter((d) => d.payload >= 1000).map((d) => d.payload)).toEqual(
        Array.from({ length: 200 }, (_, i) => 1000 + i),
      );
    }
  });

  it('keeps delivering across a nats-server restart (reconnect, then NAKs recover what was lost)', async () => {
    const a = await (await node('a')).join<number>('r');
    const b = await (await node('b')).join<number>('r');
    await until(() => a.view.members.length === 2);
    const atB: number[] = [];
    b.messages$.subscribe((d) => atB.push(d.payload));
    for (let i = 0; i < 50; i++) await a.multicast(i);
    await server.restart();
    for (let i = 50; i < 100; i++) await a.multicast(i);
    await until(() => atB.length === 100, 20_000);
    expect(atB).toEqual(Array.from({ length: 100 }, (_, i) => i));
  }, 30_000);

  it('validates names before connecting and reports an unreachable server clearly', async () => {
    await expect(connect({ servers: server.url, namespace: 'bad ns' })).rejects.toBeInstanceOf(InvalidNameError);
    await expect(connect({ servers: server.url, namespace: 'ok', name: 'a.b' })).rejects.toBeInstanceOf(
      InvalidNameError,
    );
    const error = await connect({
      servers: 'nats://127.0.0.1:1',
      namespace: 'ok',
      nats: { maxReconnectAttempts: 0 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NatsConnectError);
    expect((error as NatsConnectError).message).toMatch(/cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/);
  });
});
