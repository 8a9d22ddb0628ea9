import { describe, expect, it } from '@jest/globals';
import type { Frame, OrderFrame } from '../../wire/frame.js';
import type { Destination } from '../messages.js';
import type { MemberId, View } from '../view.js';
import { CausalOrder } from './causal-order.js';
import type { OrderedMessage } from './delivery-order.js';
import { FifoOrder } from './fifo-order.js';
import { TotalOrder } from './total-order.js';

const view: View = { group: 'g', id: 3, members: ['a', 'b', 'c'], coordinator: 'a', joined: [], left: [], failed: [] };

function message(origin: MemberId, seq: number, clock?: number[]): OrderedMessage {
  return { origin, seq, type: undefined, payload: new Uint8Array([seq]), clock, requestId: undefined };
}

/** A host that records deliveries and sent frames; stability is whatever the test says. */
function host(stable: (origin: MemberId, seq: number) => boolean = () => true) {
  const delivered: string[] = [];
  const sent: Array<{ to: Destination; frame: Frame }> = [];
  return {
    delivered,
    sent,
    deliver: (m: OrderedMessage) => void delivered.push(`${m.origin}:${m.seq}`),
    isStable: stable,
    send: (to: Destination, frame: Frame) => void sent.push({ to, frame }),
    drop: () => {},
  };
}

const config = { nakIntervalMs: 100, maxRetransmitPerNak: 512, safe: false };

function orderFrame(first: number, records: Array<[rank: number, seq: number]>): OrderFrame {
  return {
    kind: 'order',
    group: 'g',
    sender: 'a',
    viewId: 3,
    first,
    records: records.map(([rank, seq]) => ({ rank, seq })),
  };
}

describe('FifoOrder', () => {
  it('delivers on receipt when agreed, and only once stable when safe', () => {
    const agreed = host();
    new FifoOrder(view, agreed).receive(message('b', 1));
    expect(agreed.delivered).toEqual(['b:1']);

    let stableUpTo = 0;
    const safe = host((_origin, seq) => seq <= stableUpTo);
    const order = new FifoOrder(view, safe);
    order.receive(message('b', 1));
    order.receive(message('b', 2));
    expect(safe.delivered).toEqual([]);
    stableUpTo = 1;
    order.stabilized();
    expect(safe.delivered).toEqual(['b:1']);
    order.receive(message('b', 3));
    // The flush's end delivers the rest within the cut, stable or not: every survivor holds it by then.
    order.finish(new Map([['b', 2]]));
    expect(safe.delivered).toEqual(['b:1', 'b:2']);
  });
});

describe('CausalOrder', () => {
  it('holds a message until what its sender had delivered is delivered here', () => {
    const h = host();
    const order = new CausalOrder(view, h);
    // c sent c:1 after delivering b:1 (clock entry for b is 1).
    order.receive(message('c', 1, [0, 1, 0]));
    expect(h.delivered).toEqual([]);
    order.receive(message('b', 1, [0, 0, 0]));
    expect(h.delivered).toEqual(['b:1', 'c:1']);
    expect(order.stamp()).toEqual([0, 1, 1]);
  });

  it('at the flush drops, at every member alike, messages whose causal past is beyond the cut', () => {
    const h = host();
    const order = new CausalOrder(view, h);
    // b:2 depends on a:1, which no survivor holds; b:3 follows b:2; c:1 depends only on b:1.
    order.receive(message('b', 1, [0, 0, 0]));
    order.receive(message('b', 2, [1, 1, 0]));
    order.receive(message('b', 3, [1, 2, 0]));
    order.receive(message('c', 1, [0, 1, 0]));
    order.finish(
      new Map([
        ['a', 0],
        ['b', 3],
        ['c', 1],
      ]),
    );
    expect(h.delivered).toEqual(['b:1', 'c:1']);
    order.receive(message('a', 1, [0, 0, 0]));
    expect(h.delivered).toEqual(['b:1', 'c:1']);
  });
});

describe('TotalOrder', () => {
  it('the sequencer numbers what it receives and publishes the numbers in one frame per step', () => {
    const h = host();
    const order = new TotalOrder(view, 'a', config, h);
    order.receive(message('b', 1));
    order.receive(message('a', 1));
    order.receive(message('c', 4));
    expect(h.delivered).toEqual(['b:1', 'a:1', 'c:4']);
    order.publish();
    expect(h.sent).toEqual([
      {
        to: { kind: 'group', channel: 'order' },
        frame: orderFrame(1, [
          [1, 1],
          [0, 1],
          [2, 4],
        ]),
      },
    ]);
  });

  it('a member delivers by the records, whatever order payloads and records arrive in, and NAKs a gap', () => {
    const h = host();
    const order = new TotalOrder(view, 'b', config, h);
    order.receive(message('c', 1));
    order.receive(message('b', 1));
    expect(h.delivered).toEqual([]);
    // Records 3 and 4 arrive; 1 and 2 are lost: nothing is delivered, the sequencer is asked.
    order.onOrder(
      orderFrame(3, [
        [2, 2],
        [1, 2],
      ]),
      0,
    );
    expect(h.delivered).toEqual([]);
    expect(h.sent.map((s) => s.frame)).toEqual([expect.objectContaining({ kind: 'order-nak', ranges: [[1, 2]] })]);
    expect(h.sent[0]!.to).toEqual({ kind: 'node', node: 'a' });
    order.onOrder(
      orderFrame(1, [
        [1, 1],
        [2, 1],
      ]),
      10,
    );
    expect(h.delivered).toEqual(['b:1', 'c:1']);
    order.receive(message('c', 2));
    order.receive(message('b', 2));
    expect(h.delivered).toEqual(['b:1', 'c:1', 'c:2', 'b:2']);
  });

  it('at the flush: by the known records within the cut, then the unordered rest by rank and seq', () => {
    const h = host();
    const order = new TotalOrder(view, 'c', config, h);
    order.hold();
    // The cut holds records 1-3; record 2 names a:1, which only failed members held (a's cut is 0).
    order.setCut(3, 'b', 0);
    order.onOrder(
      orderFrame(1, [
        [2, 1],
        [0, 1],
        [1, 1],
      ]),
      0,
    );
    for (const m of [message('b', 1), message('b', 2), message('b', 3), message('c', 1), message('c', 2)]) {
      order.receive(m);
    }
    expect(order.reachedCut()).toBe(true);
    order.finish(
      new Map([
        ['a', 0],
        ['b', 3],
        ['c', 2],
      ]),
      3,
    );
    expect(h.delivered).toEqual(['c:1', 'b:1', 'b:2', 'b:3', 'c:2']);
  });

  it('safe: delivers by a record only once every member holds it and the payload', () => {
    let payloadsStable = false;
    const h = host(() => payloadsStable);
    const order = new TotalOrder(view, 'b', { ...config, safe: true }, h);
    order.receive(message('c', 1));
    order.onOrder(orderFrame(1, [[2, 1]]), 0);
    payloadsStable = true;
    order.stabilized();
    expect(h.delivered).toEqual([]);
    order.onDigest('a', 1);
    expect(h.delivered).toEqual([]);
    order.onDigest('c', 1);
    expect(h.delivered).toEqual(['c:1']);
  });
});
