import { Module } from '@nestjs/common';
import { CohortModule } from '@cohort/nestjs';
import { DemoMember } from './demo-member.js';
import { memberConfig } from './member-config.js';

const config = memberConfig();

@Module({
  imports: [CohortModule.forRoot({ servers: config.natsUrl, namespace: config.namespace, name: config.name })],
  providers: [DemoMember],
})
export class MemberModule {}
