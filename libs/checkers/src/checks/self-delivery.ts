import type { MemberHistory } from '../history.js';
import { indexHistories, type HistoryIndex } from '../history-index.js';
import { ResultBuilder, type CheckOptions, type CheckResult } from '../result.js';

// A member delivers every message it sends. Rule, for a send by p while p's installed view is v:
//  - excused if p crashed, left or blocked before installing its next view (the view ended for p
//    without a flush);
//  - required if p installed a next view (v was flushed, so p must have delivered it, even if p
//    crashes later);
//  - if v is still p's view when its history ends: required only for a quiescent run (options).
// Sends before any install are left to sendingViewDelivery.
export function selfDelivery(histories: readonly MemberHistory[], options: CheckOptions = {}): CheckResult {
  return selfDeliveryOf(indexHistories(histories), options);
}

export function selfDeliveryOf(index: HistoryIndex, options: CheckOptions): CheckResult {
  const result = new ResultBuilder('selfDelivery', options);
  const quiescent = options.quiescent ?? true;
  for (const m of index.members) {
    for (const send of m.sends) {
      const segment = send.segment;
      if (segment === undefined || segment.abnormal) continue;
      if (segment.next === undefined && !quiescent) continue;
      if (m.firstDelivery.has(send.msg)) continue;
      const id = index.messages[send.msg]!.id;
      const view = segment.view.id;
      result.add({
        member: m.member,
        msgId: id,
        viewId: view,
        anomaly: 'lost',
        message: () =>
          segment.next === undefined
            ? `${m.member} sent ${id} in view ${view} and never delivered it (still in that view at the end)`
            : `${m.member} sent ${id} in view ${view} and installed view ${segment.next.id} without delivering it`,
      });
    }
  }
  return result.build();
}
