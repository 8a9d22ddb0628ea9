export { Ledger, Rejection } from './domain/ledger.js';
export type { LedgerCommand, LedgerResult, LedgerSnapshot } from './domain/ledger.js';
