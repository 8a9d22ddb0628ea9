import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { LedgerController } from './ledger.controller.js';
import { LedgerReplica } from './ledger-replica.js';

/** The replica's Nest module: the controller, and the replica the CohortServer's state hooks also use. */
@Module({})
export class LedgerModule {
  static forReplica(replica: LedgerReplica): DynamicModule {
    return {
      module: LedgerModule,
      controllers: [LedgerController],
      providers: [{ provide: LedgerReplica, useValue: replica }],
    };
  }
}
