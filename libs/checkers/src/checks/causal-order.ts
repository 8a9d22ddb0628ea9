import type { MemberHistory } from '../history.js';
import { indexHistories, type HistoryIndex } from '../history-index.js';
import { ResultBuilder, type CheckOptions, type CheckResult } from '../result.js';
import { causalInversions, messageClocksOf } from './vector-clocks.js';

// m1 -> m2 if m1's sender sent m1 before m2, or m2's sender delivered m1 before sending m2,
// transitively. Every member that delivers both must deliver m1 first.
//
// Per deliverer, one pass over its deliveries against the messages' vector clocks (see
// causalInversions). Same-sender inversions are left to the FIFO check (which always runs
// alongside) so that one anomaly is not reported twice. Messages whose sender left no history have
// no known dependencies. Cost: O(events × members).
export function causalOrder(histories: readonly MemberHistory[], options: CheckOptions = {}): CheckResult {
  return causalOrderOf(indexHistories(histories), options);
}

export function causalOrderOf(index: HistoryIndex, options: CheckOptions): CheckResult {
  const result = new ResultBuilder('causal', options);
  const clocks = messageClocksOf(index);
  for (const { member, msg } of clocks.cycles) {
    const id = index.messages[msg]!.id;
    result.add({
      member: member.member,
      msgId: id,
      anomaly: 'outOfOrder',
      message: () => `${member.member} delivered ${id} before it could have been sent (causality cycle)`,
    });
  }
  for (const q of index.members) {
    const delivered = q.deliveries.filter((d) => !d.duplicate);
    const sequence = Int32Array.from(delivered, (d) => d.msg);
    causalInversions(index, clocks, sequence, (at, dependentMsg) => {
      const d = delivered[at]!;
      const message = index.messages[d.msg]!;
      const late = message.id;
      const dependent = index.messages[dependentMsg]!.id;
      result.add({
        member: q.member,
        other: message.send!.member.member,
        msgId: late,
        viewId: d.viewId,
        anomaly: 'outOfOrder',
        message: () => `${q.member} delivered ${late} after ${dependent}, which causally depends on it`,
      });
    });
  }
  return result.build();
}
