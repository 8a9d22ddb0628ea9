import type { MemberHistory } from '../history.js';
import { completed, indexHistories, sendingViewId, type HistoryIndex, type MemberIndex } from '../history-index.js';
import { ResultBuilder, sample, type CheckOptions, type CheckResult } from '../result.js';

// A message of a crashed sender is delivered by all survivors of its sending view or by none.
// Survivors: members that installed the view and completed it (installed their next view without
// crashing, leaving or blocking first). A message whose sender has no recorded history is treated
// like a crashed sender's: all-or-none holds for every message, and nothing else covers it.
// Delivered-at-all is what counts here; where it was delivered is sendingViewDelivery's business.
export function atomicity(histories: readonly MemberHistory[], options: CheckOptions = {}): CheckResult {
  return atomicityOf(indexHistories(histories), options);
}

export function atomicityOf(index: HistoryIndex, options: CheckOptions): CheckResult {
  const result = new ResultBuilder('atomicity', options);
  const survivorsByView = new Map<number, MemberIndex[]>();
  const survivorsOf = (viewId: number): MemberIndex[] => {
    let list = survivorsByView.get(viewId);
    if (list === undefined) {
      list = (index.installers.get(viewId) ?? []).filter((m) => completed(m, viewId));
      survivorsByView.set(viewId, list);
    }
    return list;
  };
  for (let msg = 0; msg < index.messages.length; msg++) {
    const message = index.messages[msg]!;
    const send = message.send;
    const sender = send?.member.member ?? message.firstDelivery?.sender;
    if (send === undefined ? sender === undefined || index.byId.has(sender) : !send.member.crashed) continue;
    const viewId = sendingViewId(message);
    if (viewId === undefined) continue;
    const survivors = survivorsOf(viewId);
    const delivered = survivors.filter((m) => m.firstDelivery.has(msg));
    if (delivered.length === 0 || delivered.length === survivors.length) continue;
    const missing = survivors.filter((m) => !m.firstDelivery.has(msg)).map((m) => m.member);
    const by = delivered.map((m) => m.member);
    result.add({
      member: missing[0]!,
      other: by[0]!,
      msgId: message.id,
      viewId,
      anomaly: 'diverged',
      message: () =>
        `${message.id} from ${send === undefined ? 'unrecorded' : 'crashed'} ${sender} (view ${viewId}) was delivered by survivors ${sample(by)} ` +
        `but not by survivors ${sample(missing)}`,
    });
  }
  return result.build();
}
