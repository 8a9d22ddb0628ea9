import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { COHORT_NODE } from '@cohort/nestjs';
import type { CohortNode } from '@cohort/nats';
import { DemoMember } from './demo-member.js';
import { memberConfig } from './member-config.js';
import { MemberModule } from './member.module.js';

/**
 * One demo member process: a Nest application whose DemoMember joins the group, waits for the
 * expected number of members, multicasts its messages, waits until it delivered everybody's,
 * then leaves and exits. Progress goes to stdout as lines `READY`, `VIEW`, `DONE`.
 */
async function main(): Promise<void> {
  const config = memberConfig();
  const app = await NestFactory.createApplicationContext(MemberModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  const member = app.get(DemoMember);
  const node = app.get<CohortNode>(COHORT_NODE);
  console.log(`READY ${node.id}`);
  await member.until(() => member.group.view.members.length >= config.members);
  await member.send(node.id, config.count);
  const expected = config.count * config.members;
  await member.until(() => member.delivered.length >= expected);
  const bySender: Record<string, number> = {};
  for (const d of member.delivered) bySender[d.from] = (bySender[d.from] ?? 0) + 1;
  await app.close();
  member.events.push({ kind: 'leave' });
  if (config.historyFile !== undefined) {
    writeFileSync(config.historyFile, JSON.stringify({ member: node.id, group: config.group, events: member.events }));
  }
  console.log(
    `DONE ${JSON.stringify({ id: node.id, delivered: member.delivered.length, bySender, drops: node.stats.snapshot() })}`,
  );
}

main().catch((error: unknown) => {
  console.error(`member failed: ${(error as Error)?.stack ?? String(error)}`);
  process.exit(1);
});
