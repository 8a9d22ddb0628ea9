import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CohortServer } from '@cohort/nestjs';
import type { NatsCohortNode } from '@cohort/nats';
import { LedgerReplica } from './ledger-replica.js';
import { LedgerModule } from './ledger.module.js';
import { replicaConfig } from './replica-config.js';

/**
 * A ledger replica: `node apps/ledger/dist/main.js`, configured by NATS_URL, COHORT_NAMESPACE and
 * REPLICA_NAME. It joins the `ledger` group (total order, state transfer), serves the ledger's
 * message patterns, and leaves gracefully on SIGTERM. stdout carries one line per event for
 * whoever supervises it: `READY`, `MESH` and `VIEW` (with the wall-clock time `t`), `RESTORED`, and
 * `STATS` in answer to a `stats` line on stdin.
 */
async function main(): Promise<void> {
  const config = replicaConfig();
  const replica = new LedgerReplica(config.name);
  const server = new CohortServer({
    servers: config.natsUrl,
    namespace: config.namespace,
    name: config.name,
    groups: { ledger: { ordering: 'total', state: replica.state() } },
  });
  const print = (tag: string, record: object) => process.stdout.write(`${tag} ${JSON.stringify(record)}\n`);
  server.on('view', (view) => {
    replica.views++;
    print('VIEW', {
      t: Date.now(),
      id: view.id,
      members: view.members,
      joined: view.joined,
      left: view.left,
      failed: view.failed,
    });
  });
  const app = await NestFactory.createMicroservice(LedgerModule.forReplica(replica), {
    strategy: server,
    logger: ['error', 'warn'],
  });
  app.enableShutdownHooks();
  await app.listen();
  const node = server.unwrap<NatsCohortNode>();
  node.meshViews$.subscribe((v) => print('MESH', { t: Date.now(), id: v.id, members: v.members, failed: v.failed }));
  const stats = replica.stats();
  if (stats.transfers > 0)
    print('RESTORED', {
      t: stats.restoredAt,
      bytes: stats.transferBytes,
      ms: stats.transferMs,
      applied: stats.applied,
    });
  print('READY', { id: node.id });
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) if (line.trim() === 'stats') print('STATS', replica.stats());
  });
}

main().catch((error: unknown) => {
  console.error(`ledger replica failed: ${(error as Error)?.stack ?? String(error)}`);
  process.exit(1);
});
