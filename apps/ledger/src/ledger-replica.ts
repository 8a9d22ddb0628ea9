import type { GroupState } from '@cohort/nats';
import { Ledger } from './domain/ledger.js';
import type { LedgerResult, LedgerSnapshot } from './domain/ledger.js';

/** What a replica reports about itself (the demo's summary, `STATS` lines). */
export interface ReplicaStats {
  readonly name: string;
  readonly applied: number;
  readonly accounts: number;
  readonly digest: string;
  /** Sum of all deposits applied: what the clients were told was deposited. */
  readonly deposited: number;
  readonly imbalance: number;
  readonly negative: number;
  readonly rejections: Readonly<Record<string, number>>;
  readonly views: number;
  /** State transfers this replica restored (0 or 1: it joins once), with their size and duration. */
  readonly transfers: number;
  readonly transferBytes: number;
  /** From the replica's start (connect, join) to its state restored, in process. */
  readonly transferMs: number | undefined;
  /** Wall-clock time of the restore. */
  readonly restoredAt: number | undefined;
}

/**
 * One replica's ledger and what it records about itself. It exists before the Nest application
 * (the CohortServer's state hooks need it when the strategy is created) and is provided to the
 * controller as a value.
 */
export class LedgerReplica {
  readonly ledger = new Ledger();
  views = 0;
  private transfers = 0;
  private transferBytes = 0;
  private transferMs: number | undefined;
  private restoredAt: number | undefined;
  private readonly startedAt = Date.now();

  constructor(readonly name: string) {}

  apply(command: unknown): LedgerResult {
    return this.ledger.apply(command);
  }

  /** The group's state option: snapshot and restore of the whole ledger. */
  state(): GroupState<LedgerSnapshot> {
    return {
      snapshot: () => this.ledger.snapshot(),
      restore: (s) => {
        this.ledger.restore(s);
        this.transfers++;
        this.transferBytes = JSON.stringify(s).length;
        this.restoredAt = Date.now();
        this.transferMs = this.restoredAt - this.startedAt;
      },
    };
  }

  stats(): ReplicaStats {
    const snap = this.ledger.snapshot();
    return {
      name: this.name,
      applied: this.ledger.appliedCount,
      accounts: this.ledger.size,
      digest: this.ledger.digest(),
      deposited: snap.deposited,
      imbalance: this.ledger.imbalance(),
      negative: snap.accounts.filter(([, b]) => b < 0).length,
      rejections: this.ledger.rejections,
      views: this.views,
      transfers: this.transfers,
      transferBytes: this.transferBytes,
      transferMs: this.transferMs,
      restoredAt: this.restoredAt,
    };
  }
}
