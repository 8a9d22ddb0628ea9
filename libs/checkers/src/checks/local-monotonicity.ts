import type { MemberHistory } from '../history.js';
import { indexHistories, type HistoryIndex } from '../history-index.js';
import { ResultBuilder, type CheckOptions, type CheckResult } from '../result.js';

// The view ids a member installs strictly increase.
export function localMonotonicity(histories: readonly MemberHistory[], options: CheckOptions = {}): CheckResult {
  return localMonotonicityOf(indexHistories(histories), options);
}

export function localMonotonicityOf(index: HistoryIndex, options: CheckOptions): CheckResult {
  const result = new ResultBuilder('localMonotonicity', options);
  for (const m of index.members) {
    let previous: number | undefined;
    for (const segment of m.segments) {
      const id = segment.view.id;
      if (previous !== undefined && id <= previous) {
        const before = previous;
        result.add({
          member: m.member,
          viewId: id,
          message: () => `${m.member} installed view ${id} after view ${before}`,
        });
      }
      previous = id;
    }
  }
  return result.build();
}
