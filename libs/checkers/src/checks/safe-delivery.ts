import type { MemberHistory } from '../history.js';
import {
  indexHistories,
  obligedMembers,
  sendingViewId,
  type HistoryIndex,
  type MemberIndex,
} from '../history-index.js';
import { ResultBuilder, type CheckOptions, type CheckResult } from '../result.js';

// Safe (uniform) delivery: once anyone delivers a message sent in view v (even a member that then
// crashes), every member of v that completed v (installed its next view without crashing, leaving
// or blocking first) delivered it too, and so did every member still active in v when its history
// ends, if the run was quiescent. Members of v without a recorded history cannot be checked.
// checkAll runs this only when a history asks for 'safe' delivery.
export function safeDelivery(histories: readonly MemberHistory[], options: CheckOptions = {}): CheckResult {
  return safeDeliveryOf(indexHistories(histories), options);
}

export function safeDeliveryOf(index: HistoryIndex, options: CheckOptions): CheckResult {
  const result = new ResultBuilder('safeDelivery', options);
  const quiescent = options.quiescent ?? true;
  const obligedByView = new Map<number, MemberIndex[]>();
  for (let msg = 0; msg < index.messages.length; msg++) {
    const message = index.messages[msg]!;
    const first = message.firstDelivery;
    const viewId = sendingViewId(message);
    if (first === undefined || viewId === undefined) continue;
    let obliged = obligedByView.get(viewId);
    if (obliged === undefined) obligedByView.set(viewId, (obliged = obligedMembers(index, viewId, quiescent)));
    for (const q of obliged) {
      if (q.firstDelivery.has(msg)) continue;
      const segment = q.segmentByView.get(viewId)!;
      const by = first.member.member;
      result.add({
        member: q.member,
        other: by,
        msgId: message.id,
        viewId,
        anomaly: 'diverged',
        message: () =>
          `${by} delivered safe message ${message.id} of view ${viewId}, but ${q.member} ` +
          (segment.next === undefined
            ? `stayed in view ${viewId} to the end without delivering it`
            : `installed view ${segment.next.id} without delivering it`),
      });
    }
  }
  return result.build();
}
