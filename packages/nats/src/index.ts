export { connect, NatsCohortNode, NatsConnectError } from './connect.js';
export type { ConnectOptions } from './connect.js';
export { NatsTransport } from './nats-transport.js';
export * from '@cohort/core';
