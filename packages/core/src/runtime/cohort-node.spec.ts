import { afterEach, describe, expect, it } from '@jest/globals';
import { FAST_OPTIONS, silentLogger, waitUntil as until } from '@cohort/nats-harness';
import { firstValueFrom, toArray } from 'rxjs';
import {
  ConfigurationError,
  GroupClosedError,
  InvalidMessageTypeError,
  InvalidNameError,
  PayloadTooLargeError,
} from '../errors.js';
import type { View } from '../protocol/view.js';
import { InMemoryNetwork } from '../transport/in-memory-transport.js';
import { bytesCodec } from '../payload-codec.js';
import { encodeFrame } from '../wire/codec.js';
import { CohortNode } from './cohort-node.js';
import type { Delivery, Group } from './group.js';

const nodes: CohortNode[] = [];

function node(net: InMemoryNetwork, name: string, extra: object = {}): CohortNode {
  const n = new CohortNode(net.connect(), { namespace: 'test', name, logger: silentLogger, ...FAST_OPTIONS, ...extra });
  nodes.push(n);
  return n;
}

afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.close()));
});

describe('CohortNode over the in-memory transport', () => {
  it('forms a view of one when nobody answers, then admits joiners in age order', async () => {
    const net = new InMemoryNetwork();
    const a = await node(net, 'a').join('g');
    expect(a.view).toMatchObject({
      id: 1,
      members: [expect.stringMatching(/^a-/)],
      joined: [expect.stringMatching(/^a-/)],
    });
    const b = await node(net, 'b').join('g');
    const c = await node(net, 'c').join('g');
    await until(() => a.view.id === 3 && b.view.id === 3);
    for (const g of [a, b, c]) expect(g.view).toEqual(c.view);
    expect(c.view.members.map((m) => m.split('-')[0])).toEqual(['a', 'b', 'c']);
    expect(c.view.coordinator).toBe(a.view.members[0]);
  });

  it('delivers every multicast to every member in per-sender order, each once', async () => {
    const net = new InMemoryNetwork();
    const groups: Group<{ n: number }>[] = [];
    for (const name of ['a', 'b', 'c']) groups.push(await node(net, name).join<{ n: number }>('g'));
    await until(() => groups.every((g) => g.view.members.length === 3));
    const got = groups.map(() => [] as Delivery<{ n: number }>[]);
    groups.forEach((g, i) => g.messages$.subscribe((d) => got[i]!.push(d)));
    const per = 300;
    await Promise.all(groups.map((g) => Promise.all(Array.from({ length: per }, (_, n) => g.multicast({ n })))));
    await until(() => got.every((list) => list.length === per * 3));
    for (const list of got) {
      const bySender = new Map<string, number[]>();
      for (const d of list) bySender.set(d.sender, [...(bySender.get(d.sender) ?? []), d.payload.n]);
      expect(bySender.size).toBe(3);
      for (const seqs of bySender.values()) expect(seqs).toEqual(Array.from({ length: per }, (_, n) => n));
    }
  });

  it('holds deliveries for the first messages$ subscriber, and attach() subscribes before the first view', async () => {
    const net = new InMemoryNetwork();
    const a = await node(net, 'a').join<number>('g');
    const attached: number[] = [];
    const viewsAtAttach: number[] = [];
    const b = await node(net, 'b').join<number>('g', {
      attach: (g) => {
        g.views$.subscribe((v) => viewsAtAttach.push(v.id));
        g.messages$.subscribe((d) => attached.push(d.payload));
      },
    });
    const c = await node(net, 'c').join<number>('g');
    await until(() => a.view.id === 3 && b.view.id === 3);
    for (let n = 1; n <= 3; n++) await a.multicast(n);
    await until(() => attached.length === 3);
    const late: number[] = [];
    c.messages$.subscribe((d) => late.push(d.payload));
    expect(late).toEqual([1, 2, 3]);
    expect(attached).toEqual([1, 2, 3]);
    expect(viewsAtAttach).toEqual([2, 3]);
  });

  it('makes a leave a view change seen by the survivors, and the leaver sees left', async () => {
    const net = new InMemoryNetwork();
    const a = await node(net, 'a').join('g');
    const b = await node(net, 'b').join('g');
    await until(() => a.view.members.length === 2);
    const views = firstValueFrom(b.views$.pipe(toArray()));
    const leaverId = a.view.members[0]!;
    await a.leave();
    expect(a.status).toBe('left');
    await until(() => b.view.id === 3);
    expect(b.view).toMatchObject({ members: [b.view.coordinator], left: [leaverId], failed: [] });
    await expect(a.multicast({})).rejects.toBeInstanceOf(GroupClosedError);
    await b.leave();
    const seen: View[] = await views;
    expect(seen.map((v) => v.id)).toEqual([2, 3]);
  });

  it('lets a coordinator leave: the next-oldest member takes over', async () => {
    const net = new InMemoryNetwork();
    const a = await node(net, 'a').join('g');
    const b = await node(net, 'b').join('g');
    const c = await node(net, 'c').join('g');
    await until(() => a.view.id === 3 && b.view.id === 3);
    await a.leave();
    await until(() => b.view.id === 4 && c.view.id === 4);
    expect(c.view.coordinator).toBe(b.view.members[0]);
    expect(c.view.members).toHaveLength(2);
    await b.multicast({ after: true });
  });

  it('counts and ignores forged and malformed traffic', async () => {
    const net = new InMemoryNetwork();
    const n = node(net, 'a');
    const g = await n.join('g');
    const rogue = net.connect();
    const delivered: unknown[] = [];
    g.messages$.subscribe((d) => delivered.push(d));
    const forged = encodeFrame({
      kind: 'data',
      group: 'g',
      sender: 'mallory-0123456789ab',
      viewId: 1,
      origin: 'mallory-0123456789ab',
      seq: 1,
      retransmit: false,
      type: undefined,
      payload: new Uint8Array([1]),
    });
    // Subjects end with the sender's name, ids are `<name>-<instance>`.
    rogue.publish('cohort.test.grp.g.data.eve', forged);
    rogue.publish('cohort.test.grp.g.data.mallory', forged);
    rogue.publish('cohort.test.grp.g.data.mallory', new Uint8Array([1, 2, 3]));
    await net.settle();
    expect(n.stats.get('sender-mismatch')).toBe(1);
    expect(n.stats.get('not-member')).toBe(1);
    expect(n.stats.get('malformed:truncated')).toBe(1);
    expect(delivered).toEqual([]);
  });

  it('runs the mesh: nodes share one mesh view; a closed node is seen as left', async () => {
    const net = new InMemoryNetwork();
    const a = node(net, 'a');
    await until(() => a.meshStatus === 'member');
    const b = node(net, 'b');
    const c = node(net, 'c');
    await until(() => [a, b, c].every((n) => n.meshView?.members.length === 3));
    expect(b.meshView).toEqual(a.meshView);
    expect(a.meshView!.coordinator).toBe(a.id);
    await b.close();
    expect(b.meshStatus).toBe('left');
    await until(() => a.meshView!.members.length === 2 && c.meshView!.id === a.meshView!.id);
    expect(a.meshView).toMatchObject({ left: [b.id], failed: [] });
  });

  it('removes a crashed node from every group it was in, through the mesh, in parallel', async () => {
    const net = new InMemoryNetwork();
    const victim = net.connect();
    const a = new CohortNode(victim, { namespace: 'test', name: 'a', logger: silentLogger, ...FAST_OPTIONS });
    await until(() => a.meshStatus === 'member');
    const [b, c] = [node(net, 'b'), node(net, 'c')];
    await until(() => [b, c].every((n) => n.meshView?.members.length === 3));
    const [a1, a2] = [await a.join('g1'), await a.join('g2')];
    const b1 = await b.join('g1');
    const [c1, c2] = [await c.join('g1'), await c.join('g2')];
    await until(() => a1.view.members.length === 3 && a2.view.members.length === 2);
    expect(b1.view.coordinator).toBe(a.id);
    // a, coordinator of both groups and root of the mesh, vanishes without a word.
    await victim.close();
    await until(() => b1.view.failed.includes(a.id) && c1.view.failed.includes(a.id) && c2.view.failed.includes(a.id));
    expect(b1.view).toEqual({ ...c1.view });
    expect(b1.view).toMatchObject({ members: [b.id, c.id], coordinator: b.id, failed: [a.id], left: [] });
    expect(c2.view).toMatchObject({ members: [c.id], coordinator: c.id, failed: [a.id] });
    expect(b.meshView).toMatchObject({ members: [b.id, c.id], failed: [a.id] });
  });

  it('forms one group when several nodes join it for the first time at the same moment', async () => {
    const net = new InMemoryNetwork();
    const first = node(net, 'a');
    await until(() => first.meshStatus === 'member');
    const all = [first, node(net, 'b'), node(net, 'c')];
    await until(() => all.every((n) => n.meshView?.members.length === 3));
    const groups = await Promise.all(all.map((n) => n.join('g')));
    await until(() => groups.every((g) => g.view.members.length === 3));
    for (const g of groups) expect(g.view).toEqual(groups[0]!.view);
  });

  it('splits a multicast larger than the bus allows into pieces and delivers it whole, in order with the rest', async () => {
    // 4 KiB per bus message: 3 KiB of payload per piece.
    const net = new InMemoryNetwork(4096);
    const a = node(net, 'a');
    await until(() => a.meshStatus === 'member');
    const b = node(net, 'b');
    const [ga, gb] = [
      await a.join<Uint8Array>('g', { codec: bytesCodec }),
      await b.join<Uint8Array>('g', { codec: bytesCodec }),
    ];
    await until(() => ga.view.members.length === 2);
    const got: Uint8Array[] = [];
    gb.messages$.subscribe((d) => got.push(d.payload));
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) % 251);
    await ga.multicast(new Uint8Array([1]));
    await ga.multicast(big);
    await ga.multicast(new Uint8Array([2]));
    await until(() => got.length === 3);
    expect(got[0]).toEqual(new Uint8Array([1]));
    expect(got[1]).toEqual(big);
    expect(got[2]).toEqual(new Uint8Array([2]));
  });

  it('validates names, options and payload sizes with errors that say what to fix', async () => {
    const net = new InMemoryNetwork(4096);
    expect(() => new CohortNode(net.connect(), { namespace: 'a.b' })).toThrow(InvalidNameError);
    expect(() => new CohortNode(net.connect(), { namespace: 'ok', tickMs: 0 })).toThrow(ConfigurationError);
    expect(() => new CohortNode(net.connect(), { namespace: 'ok', tickMs: 500 })).toThrow(/tickMs/);
    expect(() => new CohortNode(net.connect(), { namespace: 'ok', heartbeatMs: 300 })).toThrow(/suspectAfterMs/);
    const n = node(net, 'a');
    await expect(n.join('bad group')).rejects.toBeInstanceOf(InvalidNameError);
    await expect(n.join('g', { ordering: 'agreed' as never })).rejects.toThrow(/not one of fifo, causal, total/);
    await expect(n.join('g', { delivery: 'uniform' as never })).rejects.toThrow(/not one of agreed, safe/);
    await n.join<string>('g');
    const small = await node(net, 'b', { maxMessageBytes: 4000 }).join<string>('h');
    await expect(small.multicast('x'.repeat(5000))).rejects.toBeInstanceOf(PayloadTooLargeError);
    // A type that cannot be carried is refused before anything is sent: the group goes on.
    await expect(small.multicast('x', { type: 'é'.repeat(128) })).rejects.toBeInstanceOf(InvalidMessageTypeError);
    await expect(small.multicast('x', { type: '' })).rejects.toBeInstanceOf(InvalidMessageTypeError);
    await expect(small.multicast('x', { type: 7 as never })).rejects.toThrow(/1 to 255 UTF-8 bytes/);
    expect(await small.multicast('ok', { type: 't'.repeat(255) })).toMatchObject({ seq: 1 });
    expect(() => new CohortNode(net.connect(), { namespace: 'ok', maxMessageBytes: 0 })).toThrow(/maxMessageBytes/);
    await expect(n.join('g')).rejects.toThrow(/already joined/);
  });
});
