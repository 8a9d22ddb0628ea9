import { describe, expect, it } from '@jest/globals';
import type { DataFrame, Frame } from '../wire/frame.js';
import type { GroupOrdering, GroupProtocolConfig } from './config.js';
import { DEFAULT_GROUP_PROTOCOL_CONFIG } from './config.js';
import { GroupMachine } from './group-machine.js';
import type { GroupOutput } from './messages.js';

const config = { ...DEFAULT_GROUP_PROTOCOL_CONFIG, joinTimeoutMs: 100, joinRetryMs: 20 };

/** Two machines wired by hand so that a test decides exactly which frames arrive. */
function pair(cfg: GroupProtocolConfig = config, ordering?: GroupOrdering) {
  const a = new GroupMachine('g', 'a', cfg, ordering);
  const b = new GroupMachine('g', 'b', cfg, ordering);
  let now = 0;
  const frames = (outs: GroupOutput[]) => outs.flatMap((o) => (o.kind === 'send' ? [o.frame] : []));
  const deliver = (to: GroupMachine, fs: Frame[]) => fs.flatMap((frame) => to.step({ kind: 'frame', frame, now }));
  a.step({ kind: 'start', now });
  a.step({ kind: 'create', now: (now = 100) });
  // b asks to join; a runs the flush alone (it is the only member) and installs view 2.
  const join = frames(b.step({ kind: 'start', now }));
  const install = frames(deliver(a, join)).filter((f) => f.kind === 'install');
  deliver(b, install);
  return {
    a,
    b,
    frames,
    deliver,
    tick: (ms: number) => (now += ms),
    get now() {
      return now;
    },
  };
}

describe('GroupMachine', () => {
  it("never forms a view on its own: creation is the directory's grant", () => {
    const a = new GroupMachine('g', 'a', config);
    a.step({ kind: 'start', now: 0 });
    expect(a.step({ kind: 'tick', now: 10 * config.joinTimeoutMs }).some((o) => o.kind === 'install')).toBe(false);
    expect(a.step({ kind: 'create', now: 10 * config.joinTimeoutMs })).toContainEqual({
      kind: 'install',
      view: { group: 'g', id: 1, members: ['a'], coordinator: 'a', joined: ['a'], left: [], failed: [] },
    });
  });

  it('installs the same view at the coordinator and the joiner', () => {
    const { a, b } = pair();
    expect(a.currentView).toEqual(b.currentView);
    expect(a.currentView).toMatchObject({ id: 2, members: ['a', 'b'], coordinator: 'a', joined: ['b'] });
  });

  it('never skips a gap: holds later messages, NAKs the sender, delivers in order after the retransmission', () => {
    const t = pair();
    const sent = [1, 2, 3].map((n) =>
      t.frames(
        t.a.step({ kind: 'multicast', requestId: n, payload: new Uint8Array([n]), type: undefined, now: t.now }),
      ),
    );
    const data = sent.map((fs) => fs.find((f): f is DataFrame => f.kind === 'data')!);
    // Frame 2 is lost.
    const first = t.deliver(t.b, [data[0]!]);
    const third = t.deliver(t.b, [data[2]!]);
    expect(first.filter((o) => o.kind === 'deliver')).toHaveLength(1);
    expect(third.filter((o) => o.kind === 'deliver')).toHaveLength(0);
    const nak = t.frames(third).find((f) => f.kind === 'nak');
    expect(nak).toMatchObject({ origin: 'a', ranges: [[2, 2]] });
    const retransmit = t.frames(t.deliver(t.a, [nak!]));
    expect(retransmit).toEqual([{ ...data[1]!, retransmit: true }]);
    const after = t.deliver(t.b, retransmit).flatMap((o) => (o.kind === 'deliver' ? [o.delivery.seq] : []));
    expect(after).toEqual([2, 3]);
  });

  it('finds a lost tail from a digest and NAKs it', () => {
    const t = pair();
    const data = t.frames(
      t.a.step({ kind: 'multicast', requestId: 1, payload: new Uint8Array([1]), type: undefined, now: t.now }),
    );
    expect(data.some((f) => f.kind === 'data')).toBe(true);
    // The data frame is lost; a's next digest reveals it.
    const digest = t
      .frames(t.a.step({ kind: 'tick', now: t.tick(config.digestIntervalMs) }))
      .filter((f) => f.kind === 'digest');
    expect(digest).toHaveLength(1);
    const nak = t.frames(t.deliver(t.b, digest)).find((f) => f.kind === 'nak');
    expect(nak).toMatchObject({ origin: 'a', ranges: [[1, 1]] });
  });

  it('keeps own messages until every member holds them, then releases the window', () => {
    const small = { ...config, windowMessages: 2 };
    const a = new GroupMachine('g', 'a', small);
    const b = new GroupMachine('g', 'b', small);
    a.step({ kind: 'start', now: 0 });
    a.step({ kind: 'create', now: 100 });
    const join = b.step({ kind: 'start', now: 100 }).flatMap((o) => (o.kind === 'send' ? [o.frame] : []));
    const install = join
      .flatMap((f) => a.step({ kind: 'frame', frame: f, now: 100 }))
      .flatMap((o) => (o.kind === 'send' ? [o.frame] : []));
    install.forEach((f) => b.step({ kind: 'frame', frame: f, now: 100 }));
    const outs = [1, 2, 3].flatMap((n) =>
      a.step({ kind: 'multicast', requestId: n, payload: new Uint8Array([n]), type: undefined, now: 100 }),
    );
    expect(outs.filter((o) => o.kind === 'acknowledged').map((o) => (o as { requestId: number }).requestId)).toEqual([
      1, 2,
    ]);
    expect(a.queued).toBe(1);
    const data = outs.flatMap((o) => (o.kind === 'send' && o.frame.kind === 'data' ? [o.frame] : []));
    data.forEach((f) => b.step({ kind: 'frame', frame: f, now: 100 }));
    const digest = b
      .step({ kind: 'tick', now: 200 })
      .flatMap((o) => (o.kind === 'send' && o.frame.kind === 'digest' ? [o.frame] : []));
    const released = digest.flatMap((f) => a.step({ kind: 'frame', frame: f, now: 200 }));
    expect(released.filter((o) => o.kind === 'acknowledged')).toHaveLength(1);
    expect(a.queued).toBe(0);
  });

  it('batchOrderRecords: the sequencer numbers a burst of inputs in one order frame, at end-batch or a tick', () => {
    const t = pair({ ...config, batchOrderRecords: true }, { ordering: 'total', delivery: 'agreed' });
    const multicast = (m: GroupMachine, n: number) =>
      t.frames(m.step({ kind: 'multicast', requestId: n, payload: new Uint8Array([n]), type: undefined, now: t.now }));
    const fromA = [1, 2].flatMap((n) => multicast(t.a, n));
    const fromB = [3, 4].flatMap((n) => multicast(t.b, n));
    const atA = t.frames(t.deliver(t.a, fromB));
    expect([...fromA, ...atA].filter((f) => f.kind === 'order')).toEqual([]);
    expect(t.a.batchPending).toBe(true);
    const order = t.frames(t.a.step({ kind: 'end-batch', now: t.now }));
    expect(order).toMatchObject([
      { kind: 'order', first: 1, records: [{ seq: 1 }, { seq: 2 }, { seq: 1 }, { seq: 2 }] },
    ]);
    expect(t.a.batchPending).toBe(false);
    const delivered = t.deliver(t.b, [...fromA, ...order]).flatMap((o) => (o.kind === 'deliver' ? [o.delivery] : []));
    expect(delivered.map((d) => `${d.origin}:${d.seq}`)).toEqual(['a:1', 'a:2', 'b:1', 'b:2']);
    multicast(t.a, 5);
    const ticked = t.frames(t.a.step({ kind: 'tick', now: t.tick(1) }));
    expect(ticked.filter((f) => f.kind === 'order')).toMatchObject([{ first: 5, records: [{ rank: 0, seq: 3 }] }]);
  });

  it('burstDigestMs: under safe delivery a burst of traffic ends with a digest, at most that often', () => {
    const t = pair({ ...config, batchOrderRecords: true, burstDigestMs: 5 }, { ordering: 'fifo', delivery: 'safe' });
    const digests = (outs: GroupOutput[]) => t.frames(outs).filter((f) => f.kind === 'digest');
    const multicast = (n: number) =>
      t.a.step({ kind: 'multicast', requestId: n, payload: new Uint8Array([n]), type: undefined, now: t.now });
    t.a.step({ kind: 'tick', now: t.tick(config.idleDigestIntervalMs) });
    expect(t.a.batchPending).toBe(false);
    multicast(1);
    expect(t.a.batchPending).toBe(true);
    expect(digests(t.a.step({ kind: 'end-batch', now: t.tick(5) }))).toMatchObject([
      { entries: [{ seq: 1 }, { seq: 0 }] },
    ]);
    expect(t.a.batchPending).toBe(false);
    multicast(2);
    // Too soon after the last digest: owed, it goes at the first end-batch or tick burstDigestMs after it.
    expect(digests(t.a.step({ kind: 'end-batch', now: t.tick(1) }))).toEqual([]);
    expect([t.a.batchPending, t.a.digestOwed]).toEqual([false, true]);
    expect(digests(t.a.step({ kind: 'tick', now: t.tick(2) }))).toEqual([]);
    expect(digests(t.a.step({ kind: 'tick', now: t.tick(2) }))).toHaveLength(1);
    expect(t.a.digestOwed).toBe(false);
    multicast(3);
    expect(digests(t.a.step({ kind: 'end-batch', now: t.tick(1) }))).toEqual([]);
    expect(digests(t.a.step({ kind: 'end-batch', now: t.tick(4) }))).toHaveLength(1);
  });

  it('refuses a multicast a view change holds back past flushTimeoutMs', () => {
    const t = pair();
    const c = new GroupMachine('g', 'c', config);
    // c asks to join: a proposes view 3 and waits for b, which never answers here.
    t.deliver(t.a, t.frames(c.step({ kind: 'start', now: t.now })));
    expect(t.a.step({ kind: 'tick', now: t.tick(1) }).some((o) => o.kind === 'status')).toBe(false);
    const queued = t.a.step({
      kind: 'multicast',
      requestId: 7,
      payload: new Uint8Array([1]),
      type: undefined,
      now: t.now,
    });
    expect(queued.some((o) => o.kind === 'sent')).toBe(false);
    expect(t.a.step({ kind: 'tick', now: t.tick(config.flushTimeoutMs) })).not.toContainEqual(
      expect.objectContaining({ kind: 'rejected' }),
    );
    expect(t.a.step({ kind: 'tick', now: t.tick(10) })).toContainEqual({
      kind: 'rejected',
      requestId: 7,
      reason: 'flush-timeout',
    });
  });
});
