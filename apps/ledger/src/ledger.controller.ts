import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { LedgerResult } from './domain/ledger.js';
import { LedgerReplica } from './ledger-replica.js';
import type { ReplicaStats } from './ledger-replica.js';

/**
 * The ledger's API, as Nest message patterns on the Cohort transporter. A command (`open`,
 * `deposit`, `transfer`) is multicast in total order by the replica that took it from the client;
 * every replica runs the handler for it in that order, and the one that took it answers. Reads
 * (`balance`, `stats`) are `local`: one replica answers from what it has applied.
 */
@Controller()
export class LedgerController {
  constructor(private readonly replica: LedgerReplica) {}

  @MessagePattern('open')
  open(@Payload() data: object): LedgerResult {
    return this.replica.apply({ ...data, kind: 'open' });
  }

  @MessagePattern('deposit')
  deposit(@Payload() data: object): LedgerResult {
    return this.replica.apply({ ...data, kind: 'deposit' });
  }

  @MessagePattern('transfer')
  transfer(@Payload() data: object): LedgerResult {
    return this.replica.apply({ ...data, kind: 'transfer' });
  }

  @MessagePattern('balance', { local: true })
  balance(@Payload() data: { account?: unknown }): { account: unknown; balance: number | null; replica: string } {
    const balance = typeof data?.account === 'string' ? this.replica.ledger.balance(data.account) : undefined;
    return { account: data?.account, balance: balance ?? null, replica: this.replica.name };
  }

  @MessagePattern('stats', { local: true })
  stats(): ReplicaStats {
    return this.replica.stats();
  }
}
