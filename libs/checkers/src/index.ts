export type {
  DeliveryMode,
  HistoryEvent,
  HistoryEventKind,
  MemberHistory,
  MemberId,
  Ordering,
  ViewRecord,
} from './history.js';
export {
  ANOMALY_KINDS,
  DEFAULT_MAX_VIOLATIONS,
  type AnomalyKind,
  type Anomalies,
  type CheckOptions,
  type CheckResult,
  type Violation,
} from './result.js';
export { selfInclusion } from './checks/self-inclusion.js';
export { localMonotonicity } from './checks/local-monotonicity.js';
export { viewAgreement } from './checks/view-agreement.js';
export { sameViewSequence } from './checks/same-view-sequence.js';
export { integrity } from './checks/integrity.js';
export { sendingViewDelivery } from './checks/sending-view-delivery.js';
export { virtualSynchrony } from './checks/virtual-synchrony.js';
export { selfDelivery } from './checks/self-delivery.js';
export { atomicity } from './checks/atomicity.js';
export { fifoOrder } from './checks/fifo-order.js';
export { causalOrder } from './checks/causal-order.js';
export { totalOrder } from './checks/total-order.js';
export { order } from './checks/order.js';
export { safeDelivery } from './checks/safe-delivery.js';
export { primaryPartition } from './checks/primary-partition.js';
export { acknowledged } from './checks/acknowledged.js';
export { stateTransfer } from './checks/state-transfer.js';
export { liveness, type LivenessOptions } from './checks/liveness.js';
export { checkAll, type CheckAllOptions, type CheckAllResult, type Summary } from './check-all.js';
export { formatReport, type ReportOptions } from './report.js';
