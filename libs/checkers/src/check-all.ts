import type { MemberHistory, MemberId } from './history.js';
import { indexHistories } from './history-index.js';
import { ANOMALY_KINDS, emptyAnomalies, type Anomalies, type CheckOptions, type CheckResult } from './result.js';
import { acknowledgedOf } from './checks/acknowledged.js';
import { atomicityOf } from './checks/atomicity.js';
import { integrityOf } from './checks/integrity.js';
import { livenessOf } from './checks/liveness.js';
import { localMonotonicityOf } from './checks/local-monotonicity.js';
import { orderChecksOf } from './checks/order.js';
import { primaryPartitionOf } from './checks/primary-partition.js';
import { safeDeliveryOf } from './checks/safe-delivery.js';
import { sameViewSequenceOf } from './checks/same-view-sequence.js';
import { selfDeliveryOf } from './checks/self-delivery.js';
import { selfInclusionOf } from './checks/self-inclusion.js';
import { sendingViewDeliveryOf } from './checks/sending-view-delivery.js';
import { stateTransferOf } from './checks/state-transfer.js';
import { viewAgreementOf } from './checks/view-agreement.js';
import { virtualSynchronyOf } from './checks/virtual-synchrony.js';

export interface CheckAllOptions extends CheckOptions {
  // Liveness only means something for a run that ended healed and drained, so it is opt-in.
  liveness?: boolean | { ignore?: readonly MemberId[] };
  // Default true. False for the views of a group under a hierarchical membership: a group view
  // inherits the primary-partition decision of the mesh (tier 1), so it may drop a majority of
  // the group's members when the primary mesh removed them. The rule then holds for mesh views.
  primaryPartition?: boolean;
}

// Jepsen-style msgId sets across all checks.
export type Summary = Anomalies;

export interface CheckAllResult {
  ok: boolean;
  results: CheckResult[];
  summary: Summary;
}

// Every safety check for one group's histories (order and safe delivery as the histories ask, state
// transfer when some member restored a state), plus liveness when requested. The histories are indexed once and shared by all checks.
export function checkAll(histories: readonly MemberHistory[], options: CheckAllOptions = {}): CheckAllResult {
  const index = indexHistories(histories);
  const results: CheckResult[] = [
    selfInclusionOf(index, options),
    localMonotonicityOf(index, options),
    viewAgreementOf(index, options),
    sameViewSequenceOf(index, options),
    ...(options.primaryPartition === false ? [] : [primaryPartitionOf(index, options)]),
    integrityOf(index, options),
    sendingViewDeliveryOf(index, options),
    virtualSynchronyOf(index, options),
    selfDeliveryOf(index, options),
    atomicityOf(index, options),
    ...orderChecksOf(index, options),
  ];
  if (index.deliveryModes.has('safe')) results.push(safeDeliveryOf(index, options));
  results.push(acknowledgedOf(index, options));
  if (index.restoresByView.size > 0) results.push(stateTransferOf(index, options));
  if (options.liveness !== undefined && options.liveness !== false) {
    const extra = options.liveness === true ? {} : options.liveness;
    results.push(livenessOf(index, { ...options, ...extra }));
  }
  const summary = emptyAnomalies();
  for (const kind of ANOMALY_KINDS) summary[kind] = [...new Set(results.flatMap((r) => r.anomalies[kind]))];
  return { ok: results.every((r) => r.ok), results, summary };
}
