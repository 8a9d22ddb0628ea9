export { connect, NatsCohortNode, NatsConnectError } from './connect.js';
export type { ConnectOptions } from './connect.js';
export { NatsTransport } from './nats-transport.js';
export { memberPermissions } from './permissions.js';
export type { NatsPermissions } from './permissions.js';
export { StatusGatherError, gatherStatus } from './status/gather.js';
export type { GatherOptions, StatusGathering } from './status/gather.js';
export type {
  GroupMemberSummary,
  GroupSummary,
  MemberDetail,
  MergedStatus,
  MeshSummary,
  NodeSummary,
  ReceivedReport,
} from './status/status-merge.js';
export { STATUS_PROTOCOL, STATUS_VERSION, StatusErrorCode } from './status/status-protocol.js';
export type {
  StatusAnswer,
  StatusErrorAnswer,
  StatusReportAnswer,
  StatusRequest,
  StatusTruncation,
} from './status/status-protocol.js';
export { statusPermissions } from './status/status-permissions.js';
export type { StatusPermissions } from './status/status-permissions.js';
export * from '@cohort/core';
