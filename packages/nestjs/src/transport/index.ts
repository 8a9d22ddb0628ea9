export { CohortServer } from './cohort.server.js';
export type { CohortServerEvents } from './cohort.server.js';
export type { CohortServerGroupOptions, CohortServerOptions } from './server-options.js';
export { CohortClient } from './cohort.client.js';
export type { CohortClientOptions } from './cohort.client.js';
export { CohortContext } from './cohort.context.js';
export type { CohortContextArgs } from './cohort.context.js';
export type { EmitReceipt } from './ingress-wire.js';
export { COHORT_TRANSPORT, CohortStatus } from './transport-id.js';
export {
  ClientClosedError,
  IngressRejectedError,
  InvalidPacketError,
  NoHandlerError,
  NoMembersError,
  PatternHandlerError,
  RequestTimeoutError,
  ResultUnavailableError,
} from './errors.js';
export type { TransportErrorFields } from './errors.js';
