import type { MemberHistory } from '../history.js';
import { indexHistories, obligedMembers, type HistoryIndex, type MemberIndex } from '../history-index.js';
import { ResultBuilder, sample, type CheckOptions, type CheckResult } from '../result.js';

// What an ack (multicast() resolved) promises. For an ack by p of m:
//  - p sent m, before the ack;
//  - p delivered m itself before the ack;
//  - if p's history asks for 'safe' delivery: every member of m's sending view that completed the
//    view (installed its next view without crashing, leaving or blocking first), or, in a quiescent
//    run, is still active in it at the end, delivered m;
//  - if it asks for 'total' order with 'agreed' delivery, p was not the coordinator (the sequencer)
//    of the sending view, and that coordinator is itself one of the members above: all of them
//    delivered m. p could only deliver m once the sequencer had ordered it, so the survivors learn
//    m's place from the sequencer at the flush whatever happens to p. With the sequencer gone too,
//    the order record may have died with both, and nothing beyond atomicity is promised.
// For fifo or causal 'agreed' delivery an ack promises nothing about others: if p crashes right
// after, the survivors may all drop m, and atomicity (all or none) is what still holds.
export function acknowledged(histories: readonly MemberHistory[], options: CheckOptions = {}): CheckResult {
  return acknowledgedOf(indexHistories(histories), options);
}

export function acknowledgedOf(index: HistoryIndex, options: CheckOptions): CheckResult {
  const result = new ResultBuilder('acknowledged', options);
  const quiescent = options.quiescent ?? true;
  const obligedByView = new Map<number, MemberIndex[]>();
  for (const p of index.members) {
    for (const ack of p.acks) {
      const message = index.messages[ack.msg]!;
      const id = message.id;
      const send = message.send;
      if (send === undefined || send.member !== p || send.pos > ack.pos) {
        result.add({ member: p.member, msgId: id, message: `${p.member} acknowledged ${id} without having sent it` });
        continue;
      }
      const own = p.firstDelivery.get(ack.msg);
      if (own === undefined || own.pos > ack.pos) {
        result.add({
          member: p.member,
          msgId: id,
          viewId: send.viewId,
          ...(own === undefined ? { anomaly: 'lost' as const } : {}),
          message:
            own === undefined
              ? `${p.member} acknowledged ${id} but never delivered it`
              : `${p.member} acknowledged ${id} before delivering it`,
        });
      }
      const safe = p.history.delivery === 'safe';
      if (!safe && p.history.ordering !== 'total') continue;
      let obliged = obligedByView.get(send.viewId);
      if (obliged === undefined) {
        obligedByView.set(send.viewId, (obliged = obligedMembers(index, send.viewId, quiescent)));
      }
      const sequencer = index.views.get(send.viewId)?.[0]?.coordinator;
      if (!safe && (sequencer === p.member || !obliged.some((q) => q.member === sequencer))) continue;
      const what = safe ? `safe message ${id},` : `${id}, which sequencer ${sequencer} had ordered,`;
      const missing = obliged.filter((q) => q !== p && !q.firstDelivery.has(ack.msg)).map((q) => q.member);
      if (missing.length === 0) continue;
      result.add({
        member: missing[0]!,
        other: p.member,
        msgId: id,
        viewId: send.viewId,
        anomaly: 'lost',
        message: () =>
          `${p.member} acknowledged ${what} but surviving members of view ${send.viewId} ` +
          `never delivered it: ${sample(missing)}`,
      });
    }
  }
  return result.build();
}
