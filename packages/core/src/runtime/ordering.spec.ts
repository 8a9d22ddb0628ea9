import { afterEach, describe, expect, it } from '@jest/globals';
import { FAST_OPTIONS, silentLogger, waitUntil as until } from '@cohort/nats-harness';
import type { GroupOrdering } from '../protocol/config.js';
import { ConfigurationError } from '../errors.js';
import { InMemoryNetwork } from '../transport/in-memory-transport.js';
import { CohortNode } from './cohort-node.js';
import type { Delivery, Group } from './group.js';

const nodes: CohortNode[] = [];

afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.close()));
});

interface Msg {
  readonly from: string;
  readonly n: number;
}

async function threeMembers(net: InMemoryNetwork, { ordering, delivery }: GroupOrdering): Promise<Group<Msg>[]> {
  const groups: Group<Msg>[] = [];
  for (const name of ['a', 'b', 'c']) {
    const node = new CohortNode(net.connect(), { namespace: 'test', name, logger: silentLogger, ...FAST_OPTIONS });
    nodes.push(node);
    groups.push(await node.join<Msg>('g', { ordering, delivery }));
  }
  await until(() => groups.every((g) => g.view.members.length === 3));
  return groups;
}

function record(groups: readonly Group<Msg>[]): Delivery<Msg>[][] {
  const got = groups.map(() => [] as Delivery<Msg>[]);
  groups.forEach((g, i) => g.messages$.subscribe((d) => got[i]!.push(d)));
  return got;
}

const key = (d: Delivery<Msg>) => `${d.payload.from}:${d.payload.n}`;

describe('orderings over the in-memory transport', () => {
  it.each(['agreed', 'safe'] as const)(
    'total/%s: every member delivers concurrent multicasts in one order',
    async (delivery) => {
      const net = new InMemoryNetwork();
      const groups = await threeMembers(net, { ordering: 'total', delivery });
      const got = record(groups);
      const per = 200;
      await Promise.all(
        groups.map((g, i) => Promise.all(Array.from({ length: per }, (_, n) => g.multicast({ from: 'abc'[i]!, n })))),
      );
      await until(() => got.every((list) => list.length === per * 3));
      const sequences = got.map((list) => list.map(key));
      expect(sequences[1]).toEqual(sequences[0]);
      expect(sequences[2]).toEqual(sequences[0]);
      // Consistent with FIFO: each sender's multicasts in send order.
      for (const from of 'abc') {
        const own = sequences[0]!.filter((k) => k.startsWith(`${from}:`));
        expect(own).toEqual(Array.from({ length: per }, (_, n) => `${from}:${n}`));
      }
    },
  );

  it('total: multicast() resolves only once the sequencer ordered the message', async () => {
    const net = new InMemoryNetwork();
    const groups = await threeMembers(net, { ordering: 'total', delivery: 'agreed' });
    const got = record(groups);
    await groups[2]!.multicast({ from: 'c', n: 1 });
    // Delivered at the sender means ordered: the sequencer (the coordinator) has it too.
    expect(got[2]!.map(key)).toEqual(['c:1']);
    expect(got[0]!.map(key)).toEqual(['c:1']);
  });

  it.each(['agreed', 'safe'] as const)(
    'causal/%s: a reply is never delivered before what it answers',
    async (delivery) => {
      const net = new InMemoryNetwork();
      const groups = await threeMembers(net, { ordering: 'causal', delivery });
      const got = record(groups);
      // b answers each of a's multicasts as soon as it delivers it; c must see each question first.
      groups[1]!.messages$.subscribe((d) => {
        if (d.payload.from === 'a') void groups[1]!.multicast({ from: 'b', n: d.payload.n });
      });
      const per = 100;
      await Promise.all(Array.from({ length: per }, (_, n) => groups[0]!.multicast({ from: 'a', n })));
      await until(() => got.every((list) => list.length === per * 2));
      for (const list of got) {
        const at = new Map(list.map((d, i) => [key(d), i]));
        for (let n = 0; n < per; n++) expect(at.get(`a:${n}`)!).toBeLessThan(at.get(`b:${n}`)!);
      }
    },
  );

  it('safe: once multicast() resolves, every member has received the message', async () => {
    const net = new InMemoryNetwork();
    const groups = await threeMembers(net, { ordering: 'fifo', delivery: 'safe' });
    const got = record(groups);
    await groups[1]!.multicast({ from: 'b', n: 7 });
    // Received everywhere, so delivered everywhere within a digest round; and never before the sender.
    await until(() => got.every((list) => list.length === 1));
    expect(got.map((list) => list.map(key))).toEqual([['b:7'], ['b:7'], ['b:7']]);
  });

  it('refuses a joiner whose ordering differs from the group’s, with an error that says so', async () => {
    const net = new InMemoryNetwork();
    const a = new CohortNode(net.connect(), { namespace: 'test', name: 'a', logger: silentLogger, ...FAST_OPTIONS });
    const b = new CohortNode(net.connect(), { namespace: 'test', name: 'b', logger: silentLogger, ...FAST_OPTIONS });
    nodes.push(a, b);
    const group = await a.join('g', { ordering: 'total' });
    const refused = b.join('g', { ordering: 'fifo' });
    await expect(refused).rejects.toBeInstanceOf(ConfigurationError);
    await expect(refused).rejects.toThrow(/uses total\/agreed without state, this member joined with fifo\/agreed/);
    expect(group.view.members).toHaveLength(1);
  });
});
