export * from './errors.js';
export { validateName, isValidName } from './names.js';
export { Subjects, GroupChannel, MeshChannel } from './subjects.js';
export type { ParsedSubject } from './subjects.js';
export type { PayloadCodec } from './payload-codec.js';
export { jsonCodec, bytesCodec } from './payload-codec.js';

export { encodeFrame, decodeFrame, DEFAULT_MAX_FRAME_BYTES } from './wire/codec.js';
export { encodeBundle, decodeBundle, isBundle } from './wire/bundle.js';
export type { Bundle } from './wire/bundle.js';
export { newNodeId, principalOf } from './node-id.js';
export { FrameDecodeError, FrameDecodeFailure } from './wire/frame-errors.js';
export { FrameKindCode, WIRE_VERSION, WIRE_MAGIC } from './wire/frame.js';
export type * from './wire/frame.js';

export type { View, MemberId } from './protocol/view.js';
export { rankOf, isMember, sameView } from './protocol/view.js';
export { GroupMachine } from './protocol/group-machine.js';
export type { GroupOrdering, GroupProtocolConfig } from './protocol/config.js';
export { DEFAULT_GROUP_ORDERING, DEFAULT_GROUP_PROTOCOL_CONFIG } from './protocol/config.js';
export { GroupStatus, DropReason } from './protocol/messages.js';
export type { GroupInput, GroupOutput, Destination, RawDelivery, RejectReason } from './protocol/messages.js';

export { NodeMachine } from './protocol/node/node-machine.js';
export type { NodeConfig } from './protocol/node/node-machine.js';
export type { NodeInput, NodeOutput, NodeDestination } from './protocol/node/node-messages.js';
export { GroupDirectory } from './protocol/node/group-directory.js';
export { MeshMachine } from './protocol/mesh/mesh-machine.js';
export type { MeshConfig } from './protocol/mesh/mesh-config.js';
export { DEFAULT_MESH_CONFIG } from './protocol/mesh/mesh-config.js';
export { MeshStatus } from './protocol/mesh/mesh-messages.js';
export type { MeshInput, MeshOutput, MeshDestination } from './protocol/mesh/mesh-messages.js';
export { hasQuorum } from './protocol/mesh/quorum.js';
export { resolveMeshConfig } from './runtime/mesh-options.js';
export type { MeshOptions } from './runtime/mesh-options.js';
export { compareBallots } from './protocol/ballot.js';
export { FailureDetector } from './protocol/mesh/failure-detector.js';
export { MESH_GROUP } from './wire/frame.js';

export type { Transport, TransportMessage, TransportSubscription } from './transport/transport.js';
export { InMemoryNetwork, InMemoryTransport } from './transport/in-memory-transport.js';
export { subjectMatches } from './transport/subject-match.js';

export { CohortNode } from './runtime/cohort-node.js';
export type { Group, Delivery, MulticastOptions, MulticastReceipt } from './runtime/group.js';
export { ofType } from './runtime/of-type.js';
export { Ordering, DeliveryMode, resolveProtocolConfig } from './runtime/options.js';
export type { NodeOptions, JoinOptions, GroupState, ProtocolOptions } from './runtime/options.js';
export type { CohortLogger, LogLevel } from './runtime/logger.js';
export { ConsoleLogger } from './runtime/logger.js';
export { DropCounters } from './runtime/stats.js';
export { ViewChangeCause } from './runtime/cohort-events.js';
export type { CohortEvent, CohortEventKind } from './runtime/cohort-events.js';
export type { GroupCounters, GroupLoad, NodeCounters } from './runtime/node-observer.js';
export type { GroupStatusReport, NodeStatusReport } from './runtime/node-status.js';
export { prometheusMetrics } from './runtime/prometheus-metrics.js';
export type { CohortMetrics, MetricsRegistry, PrometheusOptions } from './runtime/prometheus-metrics.js';
