import type { MemberHistory, ViewRecord } from '../history.js';
import { indexHistories, type HistoryIndex } from '../history-index.js';
import { ResultBuilder, type CheckOptions, type CheckResult } from '../result.js';

// Every install of a view id, anywhere, carries the same member list (same order) and coordinator.
// Also rejects malformed records (coordinator not a member, a member listed twice) and views or
// histories of another group, since the other rules assume one group's well-formed views.
export function viewAgreement(histories: readonly MemberHistory[], options: CheckOptions = {}): CheckResult {
  return viewAgreementOf(indexHistories(histories), options);
}

const describe = (view: ViewRecord): string => `[${view.members.join(', ')}] coordinator ${view.coordinator}`;

export function viewAgreementOf(index: HistoryIndex, options: CheckOptions): CheckResult {
  const result = new ResultBuilder('viewAgreement', options);
  const group = index.histories[0]?.group;
  for (const m of index.members) {
    if (m.history.group !== group) {
      result.add({ member: m.member, message: `history of ${m.member} is for group ${m.history.group}, not ${group}` });
    }
    for (const segment of m.segments) {
      if (segment.view.group === m.history.group) continue;
      result.add({
        member: m.member,
        viewId: segment.view.id,
        message: `${m.member} installed view ${segment.view.id} of group ${segment.view.group} in group ${m.history.group}`,
      });
    }
  }
  for (const id of index.viewIds) {
    const records = index.views.get(id) ?? [];
    const first = records[0];
    if (first === undefined) continue;
    for (const other of records.slice(1)) {
      const installer = index.installers.get(id)?.find((m) => m.segments.some((s) => s.view === other));
      result.add({
        viewId: id,
        ...(installer !== undefined ? { member: installer.member } : {}),
        message: () => `view ${id} installed as ${describe(first)} and as ${describe(other)}`,
      });
    }
    for (const view of records) {
      if (!view.members.includes(view.coordinator)) {
        result.add({ viewId: id, message: `view ${id} has coordinator ${view.coordinator}, not one of its members` });
      }
      if (new Set(view.members).size !== view.members.length) {
        result.add({ viewId: id, message: `view ${id} lists a member twice: [${view.members.join(', ')}]` });
      }
    }
  }
  return result.build();
}
