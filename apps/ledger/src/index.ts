export { Ledger, Rejection, REMEMBERED_COMMANDS } from './domain/ledger.js';
export type { LedgerCommand, LedgerResult, LedgerSnapshot } from './domain/ledger.js';
export { LedgerReplica } from './ledger-replica.js';
export type { ReplicaStats } from './ledger-replica.js';
export { LedgerController } from './ledger.controller.js';
export { LedgerModule } from './ledger.module.js';
export { replicaConfig } from './replica-config.js';
export type { ReplicaConfig } from './replica-config.js';
