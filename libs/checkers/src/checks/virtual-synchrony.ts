import type { MemberHistory } from '../history.js';
import { indexHistories, type HistoryIndex, type Segment } from '../history-index.js';
import { ResultBuilder, sample, type CheckOptions, type CheckResult } from '../result.js';

// If p and q both install v and then, next for both, v', they delivered the same set of messages
// while in v. "Delivered in v" means while v was the deliverer's installed view, whatever the
// deliver event claims (sendingViewDelivery checks the claim). Crashing later does not matter:
// installing v' means the member went through v's flush. For each (v, v') the deliveries are
// compared against their union, so the cost is linear in deliveries.
export function virtualSynchrony(histories: readonly MemberHistory[], options: CheckOptions = {}): CheckResult {
  return virtualSynchronyOf(indexHistories(histories), options);
}

export function virtualSynchronyOf(index: HistoryIndex, options: CheckOptions): CheckResult {
  const result = new ResultBuilder('virtualSynchrony', options);
  for (const viewId of index.viewIds) {
    const bySuccessor = new Map<number, Segment[]>();
    for (const m of index.installers.get(viewId) ?? []) {
      const segment = m.segmentByView.get(viewId)!;
      if (segment.next === undefined) continue;
      let list = bySuccessor.get(segment.next.id);
      if (list === undefined) bySuccessor.set(segment.next.id, (list = []));
      list.push(segment);
    }
    for (const [nextId, segments] of bySuccessor) {
      if (segments.length < 2) continue;
      const sets = segments.map((s) => new Set(s.deliveries.map((d) => d.msg)));
      // Union in first-seen order, remembering one deliverer of each message for the report.
      const union = new Map<number, Segment>();
      segments.forEach((segment, i) => {
        for (const msg of sets[i]!) if (!union.has(msg)) union.set(msg, segment);
      });
      segments.forEach((segment, i) => {
        const own = sets[i]!;
        if (own.size === union.size) return;
        const missing: number[] = [];
        for (const msg of union.keys()) if (!own.has(msg)) missing.push(msg);
        const ids = missing.map((msg) => index.messages[msg]!.id);
        for (const id of ids) result.flag('diverged', id);
        const witness = union.get(missing[0]!)!.member.member;
        const member = segment.member.member;
        result.add({
          member,
          other: witness,
          viewId,
          msgId: ids[0]!,
          message: () =>
            `${member} went from view ${viewId} to ${nextId} without delivering ${ids.length} message(s) ` +
            `that others going the same way delivered in view ${viewId} (e.g. ${witness}): ${sample(ids)}`,
        });
      });
    }
  }
  return result.build();
}
