import { afterEach, describe, expect, it } from '@jest/globals';
import { FAST_OPTIONS, silentLogger, waitUntil as until } from '@cohort/nats-harness';
import { ConfigurationError } from '../errors.js';
import { InMemoryNetwork } from '../transport/in-memory-transport.js';
import { CohortNode } from './cohort-node.js';
import type { Group } from './group.js';

const nodes: CohortNode[] = [];

afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.close()));
});

/** A replica of a log: the state is everything applied, restored or delivered, in order. */
class Replica {
  log: number[] = [];
  restoredAt: number | undefined;
  deliveredBeforeRestore = 0;
  group!: Group<number>;

  async join(net: InMemoryNetwork, name: string, extra: object = {}): Promise<this> {
    const node = new CohortNode(net.connect(), {
      namespace: 'test',
      name,
      logger: silentLogger,
      ...FAST_OPTIONS,
      ...extra,
    });
    nodes.push(node);
    this.group = await node.join<number>('ledger', {
      ordering: 'total',
      state: {
        snapshot: () => [...this.log],
        restore: (s) => {
          this.restoredAt = this.log.length;
          this.log = [...(s as number[])];
        },
      },
      attach: (g) =>
        g.messages$.subscribe((d) => {
          if (this.restoredAt === undefined) this.deliveredBeforeRestore++;
          this.log.push(d.payload);
        }),
    });
    return this;
  }
}

/**
 * A replica that applies deliveries asynchronously, one at a time, as a Nest handler queue does:
 * its snapshot and restore are promises taken at their place in that queue.
 */
class QueuedReplica extends Replica {
  private queue = Promise.resolve();

  private enqueue<R>(work: () => R): Promise<R> {
    const done = this.queue.then(async () => {
      await new Promise((r) => setTimeout(r, 0));
      return work();
    });
    this.queue = done.then(() => undefined);
    return done;
  }

  override async join(net: InMemoryNetwork, name: string): Promise<this> {
    const node = new CohortNode(net.connect(), { namespace: 'test', name, logger: silentLogger, ...FAST_OPTIONS });
    nodes.push(node);
    this.group = await node.join<number>('ledger', {
      ordering: 'total',
      state: {
        snapshot: () => this.enqueue(() => [...this.log]),
        restore: (s) =>
          this.enqueue(() => {
            this.restoredAt = this.log.length;
            this.log = [...(s as number[])];
          }),
      },
      attach: (g) =>
        g.messages$.subscribe((d) => {
          void this.enqueue(() => {
            if (this.restoredAt === undefined) this.deliveredBeforeRestore++;
            this.log.push(d.payload);
          });
        }),
    });
    return this;
  }
}

describe('state transfer over the in-memory transport', () => {
  it('a joiner starts from the old members’ state at the cut, then delivers exactly what they deliver', async () => {
    const net = new InMemoryNetwork();
    const a = await new Replica().join(net, 'a');
    const b = await new Replica().join(net, 'b');
    await until(() => a.group.view.members.length === 2);
    let next = 0;
    let stop = false;
    // Traffic runs while c joins: some of it is in c's state, the rest c delivers.
    const traffic = (async () => {
      while (!stop) await Promise.all([a.group.multicast(next++), b.group.multicast(next++)]);
    })();
    await until(() => next > 200);
    const c = await new Replica().join(net, 'c');
    await until(() => next > 400);
    stop = true;
    await traffic;
    await until(() => a.log.length === next && b.log.length === next && c.log.length === next);
    expect(c.restoredAt).toBe(0);
    expect(c.deliveredBeforeRestore).toBe(0);
    expect(c.log).toEqual(a.log);
    expect(b.log).toEqual(a.log);
    // a went through two view changes (b's join, c's): each held its sending back for a while.
    expect(a.group.flushStats.count).toBe(2);
    expect(a.group.flushStats.maxMs).toBeGreaterThanOrEqual(0);
  });

  it('streams a state larger than one frame in chunks', async () => {
    const net = new InMemoryNetwork(64 * 1024);
    const big = Array.from({ length: 50_000 }, (_, i) => i);
    const a = await new Replica().join(net, 'a');
    a.log = [...big];
    const b = await new Replica().join(net, 'b');
    expect(b.log).toEqual(big);
  });

  it('takes an asynchronous snapshot at its place in the application queue, and holds the group during an asynchronous restore', async () => {
    const net = new InMemoryNetwork();
    const a = await new QueuedReplica().join(net, 'a');
    const b = await new QueuedReplica().join(net, 'b');
    await until(() => a.group.view.members.length === 2);
    let next = 0;
    let stop = false;
    const traffic = (async () => {
      // Bounded: the replicas apply one delivery per timer turn, and the joiner must catch up.
      while (!stop && next < 400) await Promise.all([a.group.multicast(next++), b.group.multicast(next++)]);
    })();
    await until(() => next > 100);
    const c = await new QueuedReplica().join(net, 'c');
    stop = true;
    await traffic;
    await until(() => a.log.length === next && b.log.length === next && c.log.length === next);
    expect(c.restoredAt).toBe(0);
    expect(c.deliveredBeforeRestore).toBe(0);
    expect(c.log).toEqual(a.log);
    expect(b.log).toEqual(a.log);
  });

  it('refuses a state option without snapshot and restore', async () => {
    const net = new InMemoryNetwork();
    const node = new CohortNode(net.connect(), { namespace: 'test', name: 'x', logger: silentLogger, ...FAST_OPTIONS });
    nodes.push(node);
    await expect(node.join('g', { state: { snapshot: () => 1 } as never })).rejects.toBeInstanceOf(ConfigurationError);
  });
});
