export { connect, NatsCohortNode, NatsConnectError } from './connect.js';
export type { ConnectOptions } from './connect.js';
export { NatsTransport } from './nats-transport.js';
export { memberPermissions } from './permissions.js';
export type { NatsPermissions } from './permissions.js';
export * from '@cohort/core';
