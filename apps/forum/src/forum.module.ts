import { Module } from '@nestjs/common';
import { CohortModule } from '@cohort/nestjs';
import { forumConfig } from './forum-config.js';
import { ForumMember } from './forum.member.js';

const config = forumConfig();

@Module({
  imports: [CohortModule.forRoot({ servers: config.natsUrl, namespace: config.namespace, name: config.name })],
  providers: [ForumMember],
})
export class ForumModule {}
