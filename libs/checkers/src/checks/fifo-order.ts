import type { MemberHistory } from '../history.js';
import { indexHistories, type HistoryIndex } from '../history-index.js';
import { ResultBuilder, type CheckOptions, type CheckResult } from '../result.js';

// Each member delivers any two messages of one sender in the order the sender sent them. Only
// relative order: gaps are other checks' concern. One pass, with the last delivered send sequence
// number per (deliverer, sender).
export function fifoOrder(histories: readonly MemberHistory[], options: CheckOptions = {}): CheckResult {
  return fifoOrderOf(indexHistories(histories), options);
}

export function fifoOrderOf(index: HistoryIndex, options: CheckOptions): CheckResult {
  const result = new ResultBuilder('fifo', options);
  const n = index.members.length;
  const lastSeq = new Uint32Array(n);
  const lastMsg = new Int32Array(n);
  for (const q of index.members) {
    lastSeq.fill(0);
    for (const d of q.deliveries) {
      if (d.duplicate) continue;
      const send = index.messages[d.msg]!.send;
      if (send === undefined) continue;
      const s = send.member.idx;
      if (send.seq > lastSeq[s]!) {
        lastSeq[s] = send.seq;
        lastMsg[s] = d.msg;
        continue;
      }
      const late = index.messages[d.msg]!.id;
      const earlier = index.messages[lastMsg[s]!]!.id;
      result.add({
        member: q.member,
        other: send.member.member,
        msgId: late,
        viewId: d.viewId,
        anomaly: 'outOfOrder',
        message: () => `${q.member} delivered ${late} after ${earlier}, but ${send.member.member} sent ${late} first`,
      });
    }
  }
  return result.build();
}
