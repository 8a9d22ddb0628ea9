import { firstValueFrom } from 'rxjs';
import type { CohortClient } from '@cohort/nestjs';
import type { LedgerResult } from '../domain/ledger.js';

export interface WorkloadSettings {
  readonly accounts: number;
  readonly operations: number;
  readonly concurrency: number;
  /** How often one command is tried before the workload gives up on it. */
  readonly attempts: number;
}

export interface WorkloadOutcome {
  readonly commands: number;
  readonly accepted: number;
  readonly rejected: Readonly<Record<string, number>>;
  /** Commands sent again because their replica did not answer (crashed, or was leaving). */
  readonly retries: number;
  /** Commands that never got an answer after every attempt. */
  readonly unanswered: number;
  /** Sum of the deposits the ledger accepted, as the clients were told. */
  readonly deposited: number;
}

/**
 * The client side of the demo: opens accounts, then deposits and transfers at random, some of
 * which the ledger must reject (insufficient funds). Each command has an id, so a command whose
 * replica crashed before answering is sent again safely: the ledger applies an id once.
 */
export class Workload {
  private done = 0;
  private retries = 0;
  private unanswered = 0;
  private accepted = 0;
  private deposited = 0;
  private readonly rejected: Record<string, number> = {};
  private readonly runId = Math.random().toString(36).slice(2, 8);

  constructor(
    private readonly client: CohortClient,
    private readonly settings: WorkloadSettings,
  ) {}

  get completed(): number {
    return this.done;
  }

  get total(): number {
    return this.settings.accounts + this.settings.operations;
  }

  async run(): Promise<WorkloadOutcome> {
    const names = Array.from({ length: this.settings.accounts }, (_, i) => `acct-${String(i + 1).padStart(3, '0')}`);
    await this.pool(names.length, (i) => this.command('open', { account: names[i] }, `open-${i}`));
    await this.pool(this.settings.operations, (i) => {
      const pick = () => names[Math.floor(Math.random() * names.length)]!;
      if (Math.random() < 0.3) {
        return this.command('deposit', { account: pick(), amount: 1 + Math.floor(Math.random() * 10_000) }, `op-${i}`);
      }
      return this.command(
        'transfer',
        { from: pick(), to: pick(), amount: 1 + Math.floor(Math.random() * 20_000) },
        `op-${i}`,
      );
    });
    return {
      commands: this.done,
      accepted: this.accepted,
      rejected: { ...this.rejected },
      retries: this.retries,
      unanswered: this.unanswered,
      deposited: this.deposited,
    };
  }

  private async pool(count: number, work: (i: number) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < count) await work(next++);
    };
    await Promise.all(Array.from({ length: this.settings.concurrency }, worker));
  }

  private async command(pattern: string, data: Record<string, unknown>, key: string): Promise<void> {
    const body = { ...data, id: `${this.runId}-${key}` };
    for (let attempt = 1; attempt <= this.settings.attempts; attempt++) {
      try {
        const result = await firstValueFrom(this.client.send<LedgerResult>(pattern, body));
        if (result.ok) {
          this.accepted++;
          if (pattern === 'deposit') this.deposited += data['amount'] as number;
        } else {
          this.rejected[result.reason] = (this.rejected[result.reason] ?? 0) + 1;
        }
        this.done++;
        return;
      } catch {
        // No answer (the replica crashed or was leaving) or no replica at all for a moment: the
        // same id again, to whichever replica NATS picks next.
        if (attempt < this.settings.attempts) this.retries++;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
    this.unanswered++;
    this.done++;
  }
}
