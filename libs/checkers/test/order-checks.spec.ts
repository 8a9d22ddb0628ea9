import { describe, expect, it } from '@jest/globals';
import { causalOrder, fifoOrder, order, totalOrder, type Ordering } from '../src/index.js';
import { RunBuilder } from './support/run-builder.js';

const abcd = ['a', 'b', 'c', 'd'];

const run = (ordering: Ordering = 'fifo'): RunBuilder => new RunBuilder(abcd, { ordering }).view(1, abcd);

describe('fifoOrder', () => {
  it("passes when each member delivers a sender's messages in send order, gaps allowed", () => {
    const r = run().send('a', 'a:1').send('a', 'a:2').send('a', 'a:3');
    r.deliver('b', 'a:1').deliver('b', 'a:2').deliver('b', 'a:3').deliver('c', 'a:1').deliver('c', 'a:3');
    expect(fifoOrder(r.histories()).ok).toBe(true);
  });

  it('catches a member delivering a later message of a sender first', () => {
    const r = run().send('a', 'a:1').send('a', 'a:2').deliver('b', 'a:2').deliver('b', 'a:1');
    const result = fifoOrder(r.histories());
    expect(result.violations).toEqual([
      expect.objectContaining({ guarantee: 'fifo', member: 'b', other: 'a', msgId: 'a:1' }),
    ]);
    expect(result.anomalies.outOfOrder).toEqual(['a:1']);
  });
});

describe('causalOrder', () => {
  // a asks, b answers after delivering the question.
  const question = (): RunBuilder => run('causal').send('a', 'a:1').deliver('b', 'a:1').send('b', 'b:1');

  it('passes when a reply is delivered after the message it answers', () => {
    const r = question().deliver('c', 'a:1').deliver('c', 'b:1').deliver('a', 'a:1').deliver('a', 'b:1');
    expect(causalOrder(r.histories()).ok).toBe(true);
  });

  it('catches a reply delivered before the message it answers', () => {
    const r = question().deliver('c', 'b:1').deliver('c', 'a:1');
    const result = causalOrder(r.histories());
    expect(result.violations).toEqual([
      expect.objectContaining({
        guarantee: 'causal',
        member: 'c',
        msgId: 'a:1',
        message: 'c delivered a:1 after b:1, which causally depends on it',
      }),
    ]);
  });

  it('follows dependencies transitively', () => {
    const r = question().deliver('c', 'b:1').send('c', 'c:1').deliver('d', 'c:1').deliver('d', 'a:1');
    expect(causalOrder(r.histories()).violations.map((v) => [v.member, v.msgId])).toEqual([['d', 'a:1']]);
  });

  it('lets concurrent messages be delivered in any order', () => {
    const r = run('causal').send('a', 'a:1').send('b', 'b:1');
    r.deliver('c', 'a:1').deliver('c', 'b:1').deliver('d', 'b:1').deliver('d', 'a:1');
    expect(causalOrder(r.histories()).ok).toBe(true);
  });

  it("counts a member's own messages as dependencies of what it delivers later", () => {
    const r = question().deliver('a', 'b:1').deliver('a', 'a:1');
    expect(causalOrder(r.histories()).violations.map((v) => [v.member, v.msgId])).toEqual([['a', 'a:1']]);
  });

  it('leaves same-sender inversions to the FIFO check', () => {
    const r = run('causal').send('a', 'a:1').send('a', 'a:2').deliver('b', 'a:2').deliver('b', 'a:1');
    expect(causalOrder(r.histories()).ok).toBe(true);
    expect(order(r.histories()).count).toBe(1);
  });

  it('catches deliveries that precede their own causes (a cycle)', () => {
    const r = run('causal').deliver('a', 'b:1').send('a', 'a:1').deliver('b', 'a:1').send('b', 'b:1');
    const result = causalOrder(r.histories());
    expect(result.ok).toBe(false);
    expect(result.violations[0]!.message).toContain('causality cycle');
  });
});

describe('totalOrder', () => {
  it('passes when all members deliver in one order, with gaps', () => {
    const r = run('total').send('a', 'a:1').send('b', 'b:1').send('c', 'c:1');
    for (const m of ['a', 'b', 'c']) r.deliver(m, 'b:1').deliver(m, 'a:1').deliver(m, 'c:1');
    r.deliver('d', 'b:1').deliver('d', 'c:1');
    expect(totalOrder(r.histories()).ok).toBe(true);
  });

  it('catches two members delivering two messages in different orders', () => {
    const r = run('total').send('a', 'a:1').send('b', 'b:1');
    r.deliver('a', 'a:1').deliver('a', 'b:1').deliver('b', 'a:1').deliver('b', 'b:1');
    r.deliver('c', 'b:1').deliver('c', 'a:1');
    const result = totalOrder(r.histories());
    expect(result.violations.map((v) => v.message)).toEqual([
      'a delivered a:1 before b:1; c delivered b:1 before a:1',
      'b delivered a:1 before b:1; c delivered b:1 before a:1',
    ]);
    expect(result.anomalies.outOfOrder.sort()).toEqual(['a:1', 'b:1']);
  });

  it('catches sequences that no single order explains even though every pair of members agrees', () => {
    const r = run('total').send('a', 'a:1').send('b', 'b:1').send('c', 'c:1');
    r.deliver('a', 'a:1').deliver('a', 'b:1').deliver('b', 'b:1').deliver('b', 'c:1');
    r.deliver('c', 'c:1').deliver('c', 'a:1');
    const result = totalOrder(r.histories());
    expect(result.count).toBe(1);
    expect(result.violations[0]!.message).toContain('no single total order');
    expect(result.anomalies.outOfOrder.sort()).toEqual(['a:1', 'b:1', 'c:1']);
  });

  // The sequencer a and member c fail together; c had delivered by records the survivors never got.
  const failedTogether = (delivery: 'agreed' | 'safe', end: 'crash' | 'blocked'): RunBuilder => {
    const r = new RunBuilder(['a', 'b', 'c', 'd'], { ordering: 'total', delivery }).view(1, ['a', 'b', 'c', 'd']);
    r.send('b', 'b:1').send('d', 'd:1');
    r.deliver('a', 'd:1').deliver('a', 'b:1').deliver('c', 'd:1').deliver('c', 'b:1');
    r.deliver('b', 'b:1').deliver('b', 'd:1').deliver('d', 'b:1').deliver('d', 'd:1');
    return end === 'crash' ? r.crash('a').crash('c') : r.blocked('a').blocked('c');
  };

  it('binds agreed delivery among the members that complete the view, not in the view a member failed in', () => {
    expect(totalOrder(failedTogether('agreed', 'crash').view(2, ['b', 'd']).histories()).ok).toBe(true);
    expect(totalOrder(failedTogether('agreed', 'blocked').view(2, ['b', 'd']).histories()).ok).toBe(true);
  });

  it('does not bind, under agreed delivery, a member the others removed as failed, even if it then saw itself leave', () => {
    const r = new RunBuilder(['a', 'b', 'c', 'd'], { ordering: 'total' }).view(1, ['a', 'b', 'c', 'd']);
    r.send('b', 'b:1').send('d', 'd:1');
    r.deliver('c', 'd:1')
      .deliver('c', 'b:1')
      .deliver('b', 'b:1')
      .deliver('b', 'd:1')
      .deliver('d', 'b:1')
      .deliver('d', 'd:1');
    r.leave('c');
    expect(totalOrder(r.view(2, ['b', 'd'], { failed: ['a', 'c'] }).histories()).ok).toBe(true);
  });

  it('binds safe delivery at every member, including those that failed (uniform order)', () => {
    const result = totalOrder(failedTogether('safe', 'crash').view(2, ['b', 'd']).histories());
    expect(result.ok).toBe(false);
    expect(result.anomalies.outOfOrder.sort()).toEqual(['b:1', 'd:1']);
  });
});

describe('order', () => {
  const crossed = (ordering: Ordering): RunBuilder => {
    const r = run(ordering).send('a', 'a:1').send('b', 'b:1');
    return r.deliver('c', 'a:1').deliver('c', 'b:1').deliver('d', 'b:1').deliver('d', 'a:1');
  };

  it("checks what the histories' ordering asks for", () => {
    expect(order(crossed('fifo').histories()).ok).toBe(true);
    expect(order(crossed('causal').histories()).ok).toBe(true);
    const total = order(crossed('total').histories());
    expect(total.name).toBe('order');
    expect(total.violations.map((v) => v.guarantee)).toEqual(['total']);
  });

  it('checks FIFO under total order too', () => {
    const r = run('total').send('a', 'a:1').send('a', 'a:2');
    for (const m of abcd) r.deliver(m, 'a:2').deliver(m, 'a:1');
    expect(order(r.histories()).violations.map((v) => v.guarantee)).toEqual(['fifo', 'fifo', 'fifo', 'fifo']);
  });
});
