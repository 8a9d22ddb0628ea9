import type { MemberHistory } from '../history.js';
import { indexHistories, type HistoryIndex } from '../history-index.js';
import { ResultBuilder, type CheckOptions, type CheckResult } from '../result.js';
import { computeMessageClocks } from './vector-clocks.js';

// m1 -> m2 if m1's sender sent m1 before m2, or m2's sender delivered m1 before sending m2,
// transitively. Every member that delivers both must deliver m1 first.
//
// Per deliverer, one pass keeps `required[s]`: the highest sequence number of sender s that some
// already-delivered message depends on. Delivering (s, k) with k <= required[s] means an earlier
// delivery depended on it. Same-sender inversions are left to the FIFO check (which always runs
// alongside) so that one anomaly is not reported twice. Messages whose sender left no history have
// no known dependencies. Cost: O(events × members).
export function causalOrder(histories: readonly MemberHistory[], options: CheckOptions = {}): CheckResult {
  return causalOrderOf(indexHistories(histories), options);
}

export function causalOrderOf(index: HistoryIndex, options: CheckOptions): CheckResult {
  const result = new ResultBuilder('causal', options);
  const { clocks, width: n } = computeMessageClocks(index, ({ member, msg }) => {
    const id = index.messages[msg]!.id;
    result.add({
      member: member.member,
      msgId: id,
      anomaly: 'outOfOrder',
      message: () => `${member.member} delivered ${id} before it could have been sent (causality cycle)`,
    });
  });
  const direct = new Uint32Array(n);
  const required = new Uint32Array(n);
  const requiredBy = new Int32Array(n);
  for (const q of index.members) {
    direct.fill(0);
    required.fill(0);
    for (const d of q.deliveries) {
      if (d.duplicate) continue;
      const send = index.messages[d.msg]!.send;
      if (send === undefined) continue;
      const s = send.member.idx;
      const k = send.seq;
      if (k > direct[s]! && k <= required[s]!) {
        const late = index.messages[d.msg]!.id;
        const dependent = index.messages[requiredBy[s]!]!.id;
        result.add({
          member: q.member,
          other: send.member.member,
          msgId: late,
          viewId: d.viewId,
          anomaly: 'outOfOrder',
          message: () => `${q.member} delivered ${late} after ${dependent}, which causally depends on it`,
        });
      }
      if (k > direct[s]!) direct[s] = k;
      const base = d.msg * n;
      for (let j = 0; j < n; j++) {
        const v = clocks[base + j]!;
        if (v > required[j]!) {
          required[j] = v;
          requiredBy[j] = d.msg;
        }
      }
    }
  }
  return result.build();
}
