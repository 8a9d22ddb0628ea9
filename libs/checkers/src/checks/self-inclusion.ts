import type { MemberHistory } from '../history.js';
import { indexHistories, type HistoryIndex } from '../history-index.js';
import { ResultBuilder, type CheckOptions, type CheckResult } from '../result.js';

// p installs only views that contain p.
export function selfInclusion(histories: readonly MemberHistory[], options: CheckOptions = {}): CheckResult {
  return selfInclusionOf(indexHistories(histories), options);
}

export function selfInclusionOf(index: HistoryIndex, options: CheckOptions): CheckResult {
  const result = new ResultBuilder('selfInclusion', options);
  for (const m of index.members) {
    for (const segment of m.segments) {
      const view = segment.view;
      if (view.members.includes(m.member)) continue;
      result.add({
        member: m.member,
        viewId: view.id,
        message: () => `${m.member} installed view ${view.id} [${view.members.join(', ')}], which does not contain it`,
      });
    }
  }
  return result.build();
}
