import { describe, expect, it } from '@jest/globals';
import {
  acknowledged,
  atomicity,
  integrity,
  safeDelivery,
  selfDelivery,
  sendingViewDelivery,
  virtualSynchrony,
  type Ordering,
} from '../src/index.js';
import { RunBuilder } from './support/run-builder.js';

const abc = ['a', 'b', 'c'];

// a:1 and b:1 delivered everywhere in view 1, then everybody moves to view 2.
const healthy = (config = {}): RunBuilder =>
  new RunBuilder(abc, config).view(1, abc).multicast('a:1', abc).multicast('b:1', abc).view(2, abc);

// The classic: a:1 is delivered by a and b in view 1, but by c only after c installed view 2.
const lateDelivery = (): RunBuilder => {
  const run = new RunBuilder(abc).view(1, abc).multicast('a:1', ['a', 'b']).view(2, abc);
  return run.deliver('c', 'a:1', { viewId: 1 });
};

describe('integrity', () => {
  it('passes when every delivery was sent once and delivered once', () => {
    expect(integrity(healthy().histories()).ok).toBe(true);
  });

  it('accepts messages from a sender whose history was not recorded', () => {
    const run = new RunBuilder(['a', 'b'])
      .view(1, ['a', 'b', 'z'], { installers: ['a', 'b'] })
      .deliver('a', 'z:1')
      .deliver('b', 'z:1');
    expect(integrity(run.histories()).ok).toBe(true);
  });

  it('catches a message nobody sent, a wrong sender and a duplicate delivery', () => {
    const run = healthy().deliver('b', 'a:9').deliver('c', 'b:1').deliver('c', 'a:1', { sender: 'b' });
    const result = integrity(run.histories());
    expect(result.count).toBe(4);
    expect(result.anomalies.unexpected).toEqual(['a:9', 'a:1']);
    expect(result.anomalies.duplicated).toEqual(['b:1', 'a:1']);
  });

  it('catches a msgId sent twice and an own message delivered before it was sent', () => {
    const run = new RunBuilder(['a', 'b']).view(1, ['a', 'b']).deliver('a', 'a:1').send('a', 'a:1').send('b', 'a:1');
    const result = integrity(run.histories());
    expect(result.violations.map((v) => v.message)).toEqual([
      'b sent a:1, already sent by a',
      'a delivered its own a:1 before sending it',
    ]);
  });
});

describe('sendingViewDelivery', () => {
  it('passes when messages are delivered in their sending view', () => {
    expect(sendingViewDelivery(healthy().histories()).ok).toBe(true);
  });

  it('catches a delivery after the receiver installed the next view', () => {
    const result = sendingViewDelivery(lateDelivery().histories());
    expect(result.violations).toEqual([
      expect.objectContaining({
        member: 'c',
        msgId: 'a:1',
        message: 'c delivered a:1 recorded in view 1 while its installed view was 2',
      }),
    ]);
  });

  it('catches a delivery recorded in a view other than the sending view', () => {
    const run = new RunBuilder(abc).view(1, abc).multicast('a:1', ['a', 'b']).view(2, abc).deliver('c', 'a:1');
    const result = sendingViewDelivery(run.histories());
    expect(result.violations.map((v) => v.message)).toEqual(['c delivered a:1 in view 2, but it was sent in view 1']);
  });

  it('catches a send recorded in a view the sender had not installed', () => {
    const run = new RunBuilder(abc).view(1, abc).send('a', 'a:1', 2).deliver('a', 'a:1', { viewId: 2 });
    expect(sendingViewDelivery(run.histories()).count).toBe(2);
  });
});

describe('virtualSynchrony', () => {
  it('passes when members moving from v to v together delivered the same messages in v', () => {
    expect(virtualSynchrony(healthy().histories()).ok).toBe(true);
  });

  it('catches a member that delivered a message of view 1 only after installing view 2', () => {
    const result = virtualSynchrony(lateDelivery().histories());
    expect(result.violations).toEqual([expect.objectContaining({ member: 'c', other: 'a', viewId: 1, msgId: 'a:1' })]);
    expect(result.anomalies.diverged).toEqual(['a:1']);
  });

  it('reports every message missing from the diverged sets', () => {
    const run = new RunBuilder(abc).view(1, abc).multicast('a:1', ['a', 'b']).multicast('b:1', ['b', 'c']).view(2, abc);
    const result = virtualSynchrony(run.histories());
    expect(result.violations.map((v) => [v.member, v.msgId])).toEqual([
      ['a', 'b:1'],
      ['c', 'a:1'],
    ]);
    expect(result.anomalies.diverged.sort()).toEqual(['a:1', 'b:1']);
  });

  it('does not compare a member that crashed in the view', () => {
    const run = new RunBuilder(abc).view(1, abc).multicast('a:1', ['a', 'b']).crash('c').view(2, ['a', 'b']);
    expect(virtualSynchrony(run.histories()).ok).toBe(true);
  });
});

describe('selfDelivery', () => {
  it('passes when senders deliver their own messages', () => {
    expect(selfDelivery(healthy().histories()).ok).toBe(true);
  });

  it('catches a sender that moved to the next view without delivering its message', () => {
    const run = new RunBuilder(abc).view(1, abc).multicast('a:1', ['b', 'c']).view(2, abc);
    const result = selfDelivery(run.histories());
    expect(result.violations).toEqual([expect.objectContaining({ member: 'a', msgId: 'a:1', viewId: 1 })]);
    expect(result.anomalies.lost).toEqual(['a:1']);
  });

  it('excuses a sender that crashed, left or blocked in the sending view', () => {
    const run = new RunBuilder(abc).view(1, abc).send('a', 'a:1').crash('a').send('b', 'b:1').leave('b');
    run.send('c', 'c:1').blocked('c');
    expect(selfDelivery(run.histories()).ok).toBe(true);
  });

  it('requires delivery in the final view only for a quiescent run', () => {
    const run = new RunBuilder(abc).view(1, abc).send('a', 'a:1');
    expect(selfDelivery(run.histories()).count).toBe(1);
    expect(selfDelivery(run.histories(), { quiescent: false }).ok).toBe(true);
  });
});

describe('atomicity', () => {
  it("passes when a crashed sender's message reaches all survivors or none", () => {
    const all = new RunBuilder(abc).view(1, abc).multicast('a:1', ['a', 'b', 'c']).crash('a').view(2, ['b', 'c']);
    expect(atomicity(all.histories()).ok).toBe(true);
    const none = new RunBuilder(abc).view(1, abc).multicast('a:1', ['a']).crash('a').view(2, ['b', 'c']);
    expect(atomicity(none.histories()).ok).toBe(true);
  });

  it("catches a crashed sender's message delivered by only some survivors", () => {
    const run = new RunBuilder(abc).view(1, abc).multicast('a:1', ['b']).crash('a').view(2, ['b', 'c']);
    const result = atomicity(run.histories());
    expect(result.violations).toEqual([expect.objectContaining({ member: 'c', other: 'b', msgId: 'a:1', viewId: 1 })]);
    expect(result.anomalies.diverged).toEqual(['a:1']);
  });

  it('applies to senders without a recorded history', () => {
    const run = new RunBuilder(abc).view(1, abc).multicast('a:1', ['b']).view(2, ['b', 'c']);
    const withoutSender = run.histories().filter((h) => h.member !== 'a');
    expect(atomicity(withoutSender).count).toBe(1);
  });

  it('does not count members that crashed in the view', () => {
    const run = new RunBuilder(abc).view(1, abc).multicast('a:1', ['b']).crash('a').crash('b').view(2, ['c']);
    expect(atomicity(run.histories()).ok).toBe(true);
  });
});

describe('safeDelivery', () => {
  it('passes when a safe message reaches every surviving member of its view', () => {
    expect(safeDelivery(healthy({ delivery: 'safe' }).histories()).ok).toBe(true);
  });

  it('catches a safe message delivered by a member that then crashed but by no survivor', () => {
    const run = new RunBuilder(abc, { delivery: 'safe' }).view(1, abc).multicast('a:1', ['a']).crash('a');
    run.view(2, ['b', 'c']);
    const result = safeDelivery(run.histories());
    expect(result.violations.map((v) => [v.member, v.other])).toEqual([
      ['b', 'a'],
      ['c', 'a'],
    ]);
    // Agreed delivery allows it: the survivors agree on not delivering.
    expect(atomicity(run.histories()).ok).toBe(true);
  });

  it('requires members still in the view at the end only for a quiescent run', () => {
    const run = new RunBuilder(abc, { delivery: 'safe' }).view(1, abc).multicast('a:1', ['a', 'b']);
    expect(safeDelivery(run.histories()).violations).toEqual([expect.objectContaining({ member: 'c', msgId: 'a:1' })]);
    expect(safeDelivery(run.histories(), { quiescent: false }).ok).toBe(true);
  });
});

describe('acknowledged', () => {
  it('passes when the sender delivered before the ack', () => {
    const run = healthy().ack('a', 'a:1');
    expect(acknowledged(run.histories()).ok).toBe(true);
  });

  it('catches an ack before local delivery, without delivery, or without a send', () => {
    const run = new RunBuilder(['a', 'b']).view(1, ['a', 'b']).send('a', 'a:1').ack('a', 'a:1').deliver('a', 'a:1');
    run.send('a', 'a:2').ack('a', 'a:2').ack('b', 'a:1');
    const result = acknowledged(run.histories());
    expect(result.violations.map((v) => v.message)).toEqual([
      'a acknowledged a:1 before delivering it',
      'a acknowledged a:2 but never delivered it',
      'b acknowledged a:1 without having sent it',
    ]);
    expect(result.anomalies.lost).toEqual(['a:2']);
  });

  // a, the first member, coordinates view 1 and so sequences total order.
  const ackedThenCrashed = (sender: string, ordering: Ordering): RunBuilder =>
    new RunBuilder(abc, { ordering })
      .view(1, abc)
      .multicast(`${sender}:1`, [sender, 'a'])
      .ack(sender, `${sender}:1`)
      .crash(sender);

  it("catches, under total order, a survivor missing an acked message of a crashed sender that wasn't the sequencer", () => {
    const run = ackedThenCrashed('b', 'total').view(2, ['a', 'c']);
    const result = acknowledged(run.histories());
    expect(result.violations).toEqual([
      expect.objectContaining({
        member: 'c',
        other: 'b',
        msgId: 'b:1',
        viewId: 1,
        message:
          'b acknowledged b:1, which sequencer a had ordered, but surviving members of view 1 never delivered it: c',
      }),
    ]);
    expect(result.anomalies.lost).toEqual(['b:1']);
  });

  it('promises nothing more under total order when the sender was the sequencer, or the sequencer failed too', () => {
    const sequencer = ackedThenCrashed('a', 'total').view(2, ['b', 'c']);
    expect(acknowledged(sequencer.histories()).ok).toBe(true);
    const both = ackedThenCrashed('b', 'total').crash('a').view(2, ['c']);
    expect(acknowledged(both.histories()).ok).toBe(true);
  });

  it('leaves an acked message of a crashed sender to atomicity under FIFO and causal agreed delivery', () => {
    for (const ordering of ['fifo', 'causal'] as const) {
      const run = ackedThenCrashed('b', ordering).view(2, ['a', 'c']);
      expect(acknowledged(run.histories()).ok).toBe(true);
      expect(atomicity(run.histories()).anomalies.diverged).toEqual(['b:1']);
    }
  });

  it('catches an acked safe message that a surviving member never delivered', () => {
    const run = new RunBuilder(abc, { delivery: 'safe' }).view(1, abc).multicast('a:1', ['a', 'b']).ack('a', 'a:1');
    run.view(2, abc);
    const result = acknowledged(run.histories());
    expect(result.violations).toEqual([expect.objectContaining({ member: 'c', other: 'a', msgId: 'a:1' })]);
    expect(result.anomalies.lost).toEqual(['a:1']);
  });
});
