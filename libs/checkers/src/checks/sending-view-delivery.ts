import type { MemberHistory } from '../history.js';
import { indexHistories, type HistoryIndex } from '../history-index.js';
import { ResultBuilder, type CheckOptions, type CheckResult } from '../result.js';

// A message is delivered only in the view in which it was sent: the deliver event names the send's
// view, and the deliverer's installed view at that point is that view. Each send must also name the
// sender's installed view at the send, since that is what "sent in v" means everywhere else.
export function sendingViewDelivery(histories: readonly MemberHistory[], options: CheckOptions = {}): CheckResult {
  return sendingViewDeliveryOf(indexHistories(histories), options);
}

export function sendingViewDeliveryOf(index: HistoryIndex, options: CheckOptions): CheckResult {
  const result = new ResultBuilder('sendingViewDelivery', options);
  for (const m of index.members) {
    for (const send of m.sends) {
      const current = send.segment?.view.id;
      if (current === send.viewId) continue;
      const id = index.messages[send.msg]!.id;
      result.add({
        member: m.member,
        msgId: id,
        viewId: send.viewId,
        message: () =>
          current === undefined
            ? `${m.member} sent ${id} (in view ${send.viewId}) before installing any view`
            : `${m.member} sent ${id} recorded in view ${send.viewId} while its installed view was ${current}`,
      });
    }
    for (const d of m.deliveries) {
      const id = index.messages[d.msg]!.id;
      const current = d.segment?.view.id;
      if (current !== d.viewId) {
        result.add({
          member: m.member,
          msgId: id,
          viewId: d.viewId,
          message: () =>
            current === undefined
              ? `${m.member} delivered ${id} (view ${d.viewId}) before installing any view`
              : `${m.member} delivered ${id} recorded in view ${d.viewId} while its installed view was ${current}`,
        });
      }
      const send = index.messages[d.msg]!.send;
      if (send !== undefined && send.viewId !== d.viewId) {
        result.add({
          member: m.member,
          other: send.member.member,
          msgId: id,
          viewId: d.viewId,
          message: () => `${m.member} delivered ${id} in view ${d.viewId}, but it was sent in view ${send.viewId}`,
        });
      }
    }
  }
  return result.build();
}
