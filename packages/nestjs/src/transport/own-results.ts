import type { MulticastReceipt } from '@cohort/nats';
import { GroupClosedError } from '@cohort/nats';
import { ResultUnavailableError } from './errors.js';

/** What a handler produced for one delivery: its stream's values, then possibly its error. */
export interface Outcome {
  readonly values: readonly unknown[];
  readonly err?: unknown;
}

interface Waiter {
  resolve(outcome: Outcome): void;
  reject(error: Error): void;
}

/** Results of own deliveries kept at most: the store stays bounded whatever the traffic. */
export const MAX_KEPT_RESULTS = 10_000;

const key = (r: MulticastReceipt) => `${r.viewId}:${r.seq}`;
const before = (a: MulticastReceipt, b: MulticastReceipt) =>
  a.viewId < b.viewId || (a.viewId === b.viewId && a.seq < b.seq);

/**
 * Correlates a request with its handler's result at the entry member without an envelope
 * (docs/design/transport.md). The entry member multicasts the request and gets a receipt
 * `{ viewId, seq }`; its own delivery of it carries the same pair. While requests are
 * outstanding, the results of this member's own deliveries are kept here by that pair, and the
 * request claims its result once the receipt resolved (or waits for the handler to run).
 *
 * Own multicasts are delivered in this member's send order (every ordering keeps per-sender FIFO)
 * and receipts resolve in that order too, so requests claim in delivery order: a kept result
 * older than a claimed one will never be claimed (it was an event, or a multicast of the
 * application) and is dropped then. A claim for a result older than the latest one recorded that
 * is not here any more fails instead of waiting forever.
 */
export class OwnResults {
  /** Insertion order is delivery order. */
  private readonly kept = new Map<string, { receipt: MulticastReceipt; outcome: Outcome }>();
  private readonly waiters = new Map<string, Waiter>();
  private outstanding = 0;
  private latest: MulticastReceipt | undefined;
  private closedReason: string | undefined;

  constructor(private readonly group: string) {}

  /** Before the request's multicast: from now on own results are kept. */
  begin(): void {
    this.outstanding++;
  }

  /** After the request was answered (or failed): with none outstanding nothing needs keeping. */
  end(): void {
    this.outstanding--;
    if (this.outstanding === 0) this.kept.clear();
  }

  /** The handlers ran for an own delivery. */
  record(receipt: MulticastReceipt, outcome: Outcome): void {
    this.latest = receipt;
    const k = key(receipt);
    const waiter = this.waiters.get(k);
    if (waiter !== undefined) {
      this.waiters.delete(k);
      this.dropBefore(receipt);
      waiter.resolve(outcome);
      return;
    }
    if (this.outstanding === 0) return;
    this.kept.set(k, { receipt, outcome });
    if (this.kept.size > MAX_KEPT_RESULTS) this.kept.delete(this.kept.keys().next().value!);
  }

  /** The result of the own delivery `receipt` names, now or once its handlers ran. */
  claim(receipt: MulticastReceipt, pattern: string): Promise<Outcome> {
    const k = key(receipt);
    const found = this.kept.get(k);
    if (found !== undefined) {
      this.kept.delete(k);
      this.dropBefore(receipt);
      return Promise.resolve(found.outcome);
    }
    if (this.closedReason !== undefined) {
      return Promise.reject(new GroupClosedError({ group: this.group, reason: this.closedReason }));
    }
    if (this.latest !== undefined && !before(this.latest, receipt)) {
      return Promise.reject(
        new ResultUnavailableError(receipt.seq, { group: this.group, pattern, viewId: receipt.viewId }),
      );
    }
    return new Promise<Outcome>((resolve, reject) => this.waiters.set(k, { resolve, reject }));
  }

  /** Kept results older than a claimed one are no request's: every request older than it claimed already. */
  private dropBefore(receipt: MulticastReceipt): void {
    for (const [k, { receipt: r }] of this.kept) {
      if (!before(r, receipt)) return;
      this.kept.delete(k);
    }
  }

  /** The member is gone: requests still waiting for their handlers fail. */
  close(reason: string): void {
    this.closedReason = reason;
    for (const w of this.waiters.values()) w.reject(new GroupClosedError({ group: this.group, reason }));
    this.waiters.clear();
    this.kept.clear();
  }
}
