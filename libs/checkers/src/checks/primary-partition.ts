import type { MemberHistory, ViewRecord } from '../history.js';
import { indexHistories, type HistoryIndex } from '../history-index.js';
import { ResultBuilder, type CheckOptions, type CheckResult } from '../result.js';

// Only a primary partition installs views. Views are taken across all members, by id; each view V
// after the lowest-id one is compared with its predecessor P (the next lower id anyone installed):
// of P's members minus those V lists as `left` (a voluntary leave needs no quorum), V must keep a
// strict majority, or exactly half including the tie-breaker: P's coordinator, or if it left, the
// first of P's remaining members in P's order. `failed` members count against V.
// A view that no recorded member installed is invisible: V is then compared with an older view,
// which may report a violation the missing view would have explained.
export function primaryPartition(histories: readonly MemberHistory[], options: CheckOptions = {}): CheckResult {
  return primaryPartitionOf(indexHistories(histories), options);
}

export function primaryPartitionOf(index: HistoryIndex, options: CheckOptions): CheckResult {
  const result = new ResultBuilder('primaryPartition', options);
  for (let i = 1; i < index.viewIds.length; i++) {
    const previous = index.views.get(index.viewIds[i - 1]!) ?? [];
    for (const view of index.views.get(index.viewIds[i]!) ?? []) {
      for (const prior of previous) {
        const problem = quorumProblem(prior, view);
        if (problem === undefined) continue;
        result.add({ viewId: view.id, member: view.coordinator, message: problem });
      }
    }
  }
  return result.build();
}

function quorumProblem(prior: ViewRecord, view: ViewRecord): string | undefined {
  const left = new Set(view.left);
  const base = prior.members.filter((m) => !left.has(m));
  if (base.length === 0) return undefined;
  const members = new Set(view.members);
  const kept = base.filter((m) => members.has(m)).length;
  if (2 * kept > base.length) return undefined;
  const tieBreaker = left.has(prior.coordinator) ? base[0]! : prior.coordinator;
  if (2 * kept === base.length && members.has(tieBreaker)) return undefined;
  const what = 2 * kept === base.length ? `exactly half without the tie-breaker ${tieBreaker}` : 'not a majority';
  return (
    `view ${view.id} [${view.members.join(', ')}] keeps ${kept} of the ${base.length} remaining members of ` +
    `view ${prior.id} [${prior.members.join(', ')}]: ${what}`
  );
}
