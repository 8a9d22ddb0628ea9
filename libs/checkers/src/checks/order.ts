import type { MemberHistory } from '../history.js';
import { indexHistories, type HistoryIndex } from '../history-index.js';
import { mergeResults, type CheckOptions, type CheckResult } from '../result.js';
import { causalOrderOf } from './causal-order.js';
import { fifoOrderOf } from './fifo-order.js';
import { totalOrderOf } from './total-order.js';

// The order checks the histories ask for: FIFO always (causal and total both imply it), causal when
// any history says 'causal', total when any says 'total'. Histories of one group should agree; when
// they do not, the union of what they ask for is checked rather than guessing which one is right.
export function orderChecksOf(index: HistoryIndex, options: CheckOptions): CheckResult[] {
  const results = [fifoOrderOf(index, options)];
  if (index.orderings.has('causal')) results.push(causalOrderOf(index, options));
  if (index.orderings.has('total')) results.push(totalOrderOf(index, options));
  return results;
}

// One result named 'order'; each violation's `guarantee` says which order it broke.
export function order(histories: readonly MemberHistory[], options: CheckOptions = {}): CheckResult {
  return mergeResults('order', orderChecksOf(indexHistories(histories), options), options);
}
