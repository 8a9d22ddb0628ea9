import { createHash } from 'node:crypto';

/** A ledger command, as multicast in total order to every replica. Amounts are integer cents. */
export type LedgerCommand = (
  | { readonly kind: 'open'; readonly account: string }
  | { readonly kind: 'deposit'; readonly account: string; readonly amount: number }
  | { readonly kind: 'transfer'; readonly from: string; readonly to: string; readonly amount: number }
) & {
  /**
   * The client's id for the command. A client that got no answer (its replica crashed) sends
   * the command again with the same id; a replica that applied it already answers with the
   * first result instead of applying it twice.
   */
  readonly id?: string;
};

export const Rejection = {
  accountExists: 'account-exists',
  unknownAccount: 'unknown-account',
  insufficientFunds: 'insufficient-funds',
  invalidAmount: 'invalid-amount',
  sameAccount: 'same-account',
  malformed: 'malformed',
} as const;
export type Rejection = (typeof Rejection)[keyof typeof Rejection];

export type LedgerResult =
  | { readonly ok: true; readonly seq: number; readonly balances: Readonly<Record<string, number>> }
  | { readonly ok: false; readonly seq: number; readonly reason: Rejection };

/** What a joiner receives: everything needed to go on exactly where the provider was. */
export interface LedgerSnapshot {
  readonly accounts: ReadonlyArray<readonly [string, number]>;
  readonly deposited: number;
  readonly applied: number;
  readonly rejected: Readonly<Record<string, number>>;
  /** Hash chain over every command and its result, in order: equal chains, equal histories. */
  readonly chain: string;
  /** Results of the latest commands with ids, oldest first. */
  readonly recent: ReadonlyArray<readonly [string, LedgerResult]>;
}

const MAX_ACCOUNT = 64;
const MAX_ID = 64;
/** Command ids remembered for retries. Eviction is by arrival order, so the same at every replica. */
export const REMEMBERED_COMMANDS = 100_000;

/**
 * The replicated state machine: a deterministic function of the command sequence. Every replica
 * applies the same commands in the same (total) order, so balances, rejections and the hash
 * chain are identical everywhere. Invariants: the sum of balances equals the sum of deposits; no
 * balance is negative.
 */
export class Ledger {
  private accounts = new Map<string, number>();
  private deposited = 0;
  private applied = 0;
  private rejected: Record<string, number> = {};
  private chain = '';
  private recent = new Map<string, LedgerResult>();

  apply(command: unknown): LedgerResult {
    const id = commandId(command);
    const earlier = id === undefined ? undefined : this.recent.get(id);
    if (earlier !== undefined) return earlier;
    const result = this.execute(command);
    if (id !== undefined) {
      this.recent.set(id, result);
      if (this.recent.size > REMEMBERED_COMMANDS) this.recent.delete(this.recent.keys().next().value as string);
    }
    this.applied++;
    if (!result.ok) this.rejected[result.reason] = (this.rejected[result.reason] ?? 0) + 1;
    this.chain = createHash('sha256')
      .update(this.chain)
      .update(JSON.stringify(command) ?? 'undefined')
      .update(JSON.stringify(result))
      .digest('hex');
    return result;
  }

  balance(account: string): number | undefined {
    return this.accounts.get(account);
  }

  get size(): number {
    return this.accounts.size;
  }

  get appliedCount(): number {
    return this.applied;
  }

  get rejections(): Readonly<Record<string, number>> {
    return this.rejected;
  }

  /** Sum of balances minus sum of deposits: 0 always, or the state is corrupt. */
  imbalance(): number {
    let sum = 0;
    for (const b of this.accounts.values()) sum += b;
    return sum - this.deposited;
  }

  /** A short digest of the whole state and history, for comparing replicas. */
  digest(): string {
    return createHash('sha256').update(JSON.stringify(this.snapshot())).digest('hex').slice(0, 16);
  }

  snapshot(): LedgerSnapshot {
    return {
      accounts: [...this.accounts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      deposited: this.deposited,
      applied: this.applied,
      rejected: { ...this.rejected },
      chain: this.chain,
      recent: [...this.recent.entries()],
    };
  }

  restore(s: LedgerSnapshot): void {
    this.accounts = new Map(s.accounts);
    this.deposited = s.deposited;
    this.applied = s.applied;
    this.rejected = { ...s.rejected };
    this.chain = s.chain;
    this.recent = new Map(s.recent);
  }

  private execute(command: unknown): LedgerResult {
    const seq = this.applied + 1;
    const reject = (reason: Rejection): LedgerResult => ({ ok: false, seq, reason });
    const c = parse(command);
    if (c === undefined) return reject(Rejection.malformed);
    switch (c.kind) {
      case 'open':
        if (this.accounts.has(c.account)) return reject(Rejection.accountExists);
        this.accounts.set(c.account, 0);
        return { ok: true, seq, balances: { [c.account]: 0 } };
      case 'deposit': {
        const balance = this.accounts.get(c.account);
        if (balance === undefined) return reject(Rejection.unknownAccount);
        if (!validAmount(c.amount)) return reject(Rejection.invalidAmount);
        this.accounts.set(c.account, balance + c.amount);
        this.deposited += c.amount;
        return { ok: true, seq, balances: { [c.account]: balance + c.amount } };
      }
      case 'transfer': {
        const from = this.accounts.get(c.from);
        const to = this.accounts.get(c.to);
        if (from === undefined || to === undefined) return reject(Rejection.unknownAccount);
        if (c.from === c.to) return reject(Rejection.sameAccount);
        if (!validAmount(c.amount)) return reject(Rejection.invalidAmount);
        if (from < c.amount) return reject(Rejection.insufficientFunds);
        this.accounts.set(c.from, from - c.amount);
        this.accounts.set(c.to, to + c.amount);
        return { ok: true, seq, balances: { [c.from]: from - c.amount, [c.to]: to + c.amount } };
      }
    }
  }
}

function commandId(c: unknown): string | undefined {
  const id = (c as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ID ? id : undefined;
}

function validAmount(amount: number): boolean {
  return Number.isSafeInteger(amount) && amount > 0;
}

function validAccount(a: unknown): a is string {
  return typeof a === 'string' && a.length > 0 && a.length <= MAX_ACCOUNT;
}

/** Commands come from clients: anything else is rejected as malformed, identically everywhere. */
function parse(c: unknown): LedgerCommand | undefined {
  if (typeof c !== 'object' || c === null) return undefined;
  const r = c as Record<string, unknown>;
  if (r['kind'] === 'open' && validAccount(r['account'])) return { kind: 'open', account: r['account'] };
  if (r['kind'] === 'deposit' && validAccount(r['account']) && typeof r['amount'] === 'number')
    return { kind: 'deposit', account: r['account'], amount: r['amount'] };
  if (r['kind'] === 'transfer' && validAccount(r['from']) && validAccount(r['to']) && typeof r['amount'] === 'number')
    return { kind: 'transfer', from: r['from'], to: r['to'], amount: r['amount'] };
  return undefined;
}
