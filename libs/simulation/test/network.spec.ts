import { describe, expect, it } from '@jest/globals';
import { SimClock } from '../src/clock.js';
import type { Endpoint, LinkFaults } from '../src/network.js';
import { NO_FAULTS, SimNetwork } from '../src/network.js';
import { Rng } from '../src/rng.js';

class Inbox implements Endpoint {
  accepting = true;
  readonly got: Array<{ from: string; n: number }> = [];
  receive(bytes: Uint8Array, from: string): void {
    this.got.push({ from, n: bytes[0]! });
  }
}

function setup(faults: LinkFaults, ids = ['a', 'b', 'c']) {
  const clock = new SimClock();
  const network = new SimNetwork(clock, new Rng(11), faults);
  const inboxes = new Map(ids.map((id) => [id, new Inbox()]));
  for (const [id, inbox] of inboxes) {
    network.attach(id, inbox);
    network.subscribe(id);
  }
  return { clock, network, inbox: (id: string) => inboxes.get(id)! };
}

const sendMany = (network: SimNetwork, count: number): void => {
  for (let i = 0; i < count; i++) network.publish('a', 'data', Uint8Array.of(i));
};

describe('SimNetwork', () => {
  it('publishes to every other subscriber, never back to the sender, asynchronously', () => {
    const { clock, network, inbox } = setup(NO_FAULTS);
    network.publish('a', 'data', Uint8Array.of(1));
    expect(inbox('b').got).toEqual([]);
    clock.runUntil(10);
    expect(inbox('a').got).toEqual([]);
    expect(inbox('b').got).toEqual([{ from: 'a', n: 1 }]);
    expect(inbox('c').got).toEqual([{ from: 'a', n: 1 }]);
    network.unicast('b', 'c', 'nak', Uint8Array.of(2));
    clock.runUntil(20);
    expect(inbox('c').got.at(-1)).toEqual({ from: 'b', n: 2 });
    expect(inbox('a').got).toEqual([]);
    expect(network.stats.framesSentByKind).toEqual({ data: 1, nak: 1 });
  });

  it('keeps per-link order with fifoLinks, even with random delays and duplicates', () => {
    const { clock, network, inbox } = setup({
      loss: 0,
      duplicate: 0.3,
      minDelayMs: 1,
      maxDelayMs: 50,
      fifoLinks: true,
    });
    sendMany(network, 200);
    clock.runUntil(1000);
    const seen = inbox('b').got.map((m) => m.n);
    expect(seen.length).toBeGreaterThan(200);
    expect([...seen].sort((x, y) => x - y)).toEqual(seen);
  });

  it('reorders without fifoLinks', () => {
    const { clock, network, inbox } = setup({ loss: 0, duplicate: 0, minDelayMs: 1, maxDelayMs: 50, fifoLinks: false });
    sendMany(network, 200);
    clock.runUntil(1000);
    const seen = inbox('b').got.map((m) => m.n);
    expect(seen.length).toBe(200);
    expect([...seen].sort((x, y) => x - y)).not.toEqual(seen);
  });

  it('loses about the configured fraction of copies', () => {
    const { clock, network, inbox } = setup({ ...NO_FAULTS, loss: 0.2 });
    sendMany(network, 1000);
    clock.runUntil(100);
    const got = inbox('b').got.length + inbox('c').got.length;
    expect(got).toBeGreaterThan(1500);
    expect(got).toBeLessThan(1700);
    expect(network.stats.dropped.loss).toBe(2000 - got);
  });

  it('cuts blocked links, one way or both, including what is in flight', () => {
    const { clock, network, inbox } = setup({ ...NO_FAULTS, minDelayMs: 10, maxDelayMs: 10 });
    network.publish('a', 'data', Uint8Array.of(1));
    network.block('a', 'b');
    clock.runUntil(20);
    expect(inbox('b').got).toEqual([]);
    expect(inbox('c').got).toHaveLength(1);
    network.publish('b', 'data', Uint8Array.of(2));
    clock.runUntil(40);
    expect(inbox('a').got).toHaveLength(1);
    network.heal();
    network.partition(['a'], ['b', 'c']);
    network.publish('a', 'data', Uint8Array.of(3));
    network.publish('c', 'data', Uint8Array.of(4));
    clock.runUntil(60);
    expect(inbox('a').got).toHaveLength(1);
    expect(inbox('b').got.map((m) => m.n)).toEqual([4]);
    expect(network.stats.dropped.partition).toBe(4);
  });

  it('drops copies to nodes that are not accepting or not subscribed', () => {
    const { clock, network, inbox } = setup(NO_FAULTS);
    inbox('b').accepting = false;
    network.unsubscribe('c');
    network.publish('a', 'data', Uint8Array.of(1));
    clock.runUntil(10);
    expect(inbox('b').got).toEqual([]);
    expect(inbox('c').got).toEqual([]);
    expect(network.stats.dropped.unreachable).toBe(1);
  });
});
