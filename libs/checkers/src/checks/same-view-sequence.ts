import type { MemberHistory } from '../history.js';
import { indexHistories, type HistoryIndex } from '../history-index.js';
import { ResultBuilder, type CheckOptions, type CheckResult } from '../result.js';

// Correct members that both install v and v' install the same views between them.
//
// Pairwise over correct members (views per member are few, so members² × views is cheap): a view x
// that p installed strictly between two views both p and q installed must also be installed by q.
// Exception: q is not a member of x and re-enters by a view listing it in `joined` (the next view
// both installed). That is an exclusion followed by a rejoin (e.g. a healed minority), not a
// divergent view sequence. Crashed members are not compared (the guarantee is about correct ones).
export function sameViewSequence(histories: readonly MemberHistory[], options: CheckOptions = {}): CheckResult {
  return sameViewSequenceOf(indexHistories(histories), options);
}

export function sameViewSequenceOf(index: HistoryIndex, options: CheckOptions): CheckResult {
  const result = new ResultBuilder('sameViewSequence', options);
  const correct = index.members.filter((m) => !m.crashed);
  const reported = new Set<string>();
  for (const p of correct) {
    const views = p.segments.map((s) => s.view);
    for (const q of correct) {
      if (q === p) continue;
      const common = views.map((view) => q.segmentByView.has(view.id));
      const first = common.indexOf(true);
      const last = common.lastIndexOf(true);
      if (first < 0 || last - first < 2) continue;
      let previous = views[first]!;
      for (let i = first + 1; i < last; i++) {
        const x = views[i]!;
        if (common[i]) {
          previous = x;
          continue;
        }
        let nextCommon = i + 1;
        while (!common[nextCommon]) nextCommon++;
        const following = views[nextCommon]!;
        const rejoined = !x.members.includes(q.member) && following.joined.includes(q.member);
        const key = `${q.member}\u0000${x.id}`;
        if (rejoined || reported.has(key)) continue;
        reported.add(key);
        const before = previous;
        result.add({
          member: q.member,
          other: p.member,
          viewId: x.id,
          message: () =>
            `${p.member} installed view ${x.id} between views ${before.id} and ${following.id}; ` +
            `${q.member} installed both of those but not ${x.id}`,
        });
      }
    }
  }
  return result.build();
}
