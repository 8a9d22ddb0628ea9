import type { MemberHistory, MemberId } from '../history.js';
import { completed, indexHistories, remainsToEnd, type HistoryIndex, type MemberIndex } from '../history-index.js';
import { ResultBuilder, sample, type CheckOptions, type CheckResult } from '../result.js';

export interface LivenessOptions extends CheckOptions {
  // Members not expected to converge (e.g. kept partitioned): they need not be in the final view,
  // may be, and are neither required to deliver nor checked as senders.
  ignore?: readonly MemberId[];
}

// For a run that ended quiescent (faults healed, traffic drained). "Live" members: a history, no
// crash, no leave, not ignored.
//  - every live member installed a view and is not blocked at the end;
//  - all live members' last installed views are the same view (the highest id among them is taken
//    as the reference), whose members are exactly the live members (plus any ignored ones);
//  - nothing a correct member sent is lost: a message sent by a non-crashed, non-ignored member in
//    view v (and not while it was leaving or blocked in v) is delivered by every non-crashed,
//    non-ignored member that completed v or is still active in v at the end.
export function liveness(histories: readonly MemberHistory[], options: LivenessOptions = {}): CheckResult {
  return livenessOf(indexHistories(histories), options);
}

export function livenessOf(index: HistoryIndex, options: LivenessOptions): CheckResult {
  const result = new ResultBuilder('liveness', options);
  const ignored = new Set(options.ignore ?? []);
  const live = index.members.filter((m) => !m.crashed && !m.left && !ignored.has(m.member));
  checkFinalView(index, live, ignored, result);
  checkNothingLost(index, ignored, result);
  return result.build();
}

function checkFinalView(
  index: HistoryIndex,
  live: readonly MemberIndex[],
  ignored: ReadonlySet<MemberId>,
  result: ResultBuilder,
): void {
  let reference: MemberIndex | undefined;
  for (const m of live) {
    const last = m.segments.at(-1);
    if (last === undefined) {
      result.add({ member: m.member, message: `${m.member} never installed a view` });
      continue;
    }
    if (m.blockedAtEnd) {
      result.add({
        member: m.member,
        viewId: last.view.id,
        message: `${m.member} is blocked in view ${last.view.id} at the end`,
      });
    }
    if (reference === undefined || last.view.id > reference.segments.at(-1)!.view.id) reference = m;
  }
  const finalView = reference?.segments.at(-1)?.view;
  if (finalView === undefined) return;
  const members = new Set(finalView.members);
  for (const m of live) {
    const last = m.segments.at(-1);
    if (last === undefined) continue;
    if (last.view.id !== finalView.id) {
      result.add({
        member: m.member,
        other: reference!.member,
        viewId: last.view.id,
        message: `${m.member} ended in view ${last.view.id}, ${reference!.member} in view ${finalView.id}`,
      });
    } else if (!members.has(m.member)) {
      result.add({
        member: m.member,
        viewId: finalView.id,
        message: `final view ${finalView.id} omits live member ${m.member}`,
      });
    }
  }
  const liveIds = new Set(live.map((m) => m.member));
  for (const member of finalView.members) {
    if (liveIds.has(member) || ignored.has(member)) continue;
    const history = index.byId.get(member);
    const why = history === undefined ? 'has no recorded history' : history.crashed ? 'crashed' : 'left';
    result.add({
      member,
      viewId: finalView.id,
      message: `final view ${finalView.id} still contains ${member}, which ${why}`,
    });
  }
}

function checkNothingLost(index: HistoryIndex, ignored: ReadonlySet<MemberId>, result: ResultBuilder): void {
  const receiversByView = new Map<number, MemberIndex[]>();
  const receiversOf = (viewId: number): MemberIndex[] => {
    let list = receiversByView.get(viewId);
    if (list === undefined) {
      list = (index.installers.get(viewId) ?? []).filter(
        (q) => !q.crashed && !ignored.has(q.member) && (completed(q, viewId) || remainsToEnd(q, viewId)),
      );
      receiversByView.set(viewId, list);
    }
    return list;
  };
  for (const s of index.members) {
    if (s.crashed || ignored.has(s.member)) continue;
    for (const send of s.sends) {
      const segment = send.segment;
      if (segment === undefined || segment.abnormal) continue;
      const viewId = segment.view.id;
      const missing = receiversOf(viewId)
        .filter((q) => !q.firstDelivery.has(send.msg))
        .map((q) => q.member);
      if (missing.length === 0) continue;
      const id = index.messages[send.msg]!.id;
      result.add({
        member: missing[0]!,
        other: s.member,
        msgId: id,
        viewId,
        anomaly: 'lost',
        message: () => `${id}, sent by ${s.member} in view ${viewId}, was never delivered by ${sample(missing)}`,
      });
    }
  }
}
