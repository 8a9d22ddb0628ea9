import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { forumConfig } from './forum-config.js';
import { ForumMember } from './forum.member.js';
import { ForumModule } from './forum.module.js';

/**
 * One participant: waits for the others, writes its posts (most of them replies to a post it
 * has already seen, which is what makes causal order matter), waits for everyone's, prints a
 * SUMMARY line and leaves. `node apps/forum/dist/main.js`, configured by the environment
 * (NATS_URL, COHORT_NAMESPACE, MEMBER_NAME, POSTS, MEMBERS, ORDERING).
 */
async function main(): Promise<void> {
  const config = forumConfig();
  const app = await NestFactory.createApplicationContext(ForumModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  const member = app.get(ForumMember);
  const until = async (cond: () => boolean) => {
    while (!cond()) await new Promise((r) => setTimeout(r, 10));
  };
  await until(() => member.group.view.members.length >= config.members);
  let roots = 0;
  let written = 0;
  // `inFlight` writers post concurrently; each reply still answers a post already delivered here.
  const writer = async () => {
    while (written < config.posts) {
      const i = ++written;
      // Reply to one of the latest posts seen (often another participant's): a causal dependency
      // that crosses members, delivered at the others only after the post it answers.
      const seen = member.store.size;
      const parent =
        seen > 0 && Math.random() < 0.7
          ? member.store.at(seen - 1 - Math.floor(Math.random() * Math.min(seen, 5)))
          : undefined;
      if (parent === undefined) roots++;
      await member.post(parent === undefined ? `thread ${i} by ${config.name}` : `re: ${i}`, parent);
    }
  };
  await Promise.all(Array.from({ length: config.inFlight }, writer));
  await until(() => member.store.size >= config.posts * config.members);
  console.log(
    `SUMMARY ${JSON.stringify({ name: config.name, ordering: config.ordering, posts: member.store.size, threadsStarted: roots, orphans: member.store.orphans, digest: member.store.digest(), views: member.views.length })}`,
  );
  await app.close();
}

main().catch((error: unknown) => {
  console.error(`forum participant failed: ${(error as Error)?.stack ?? String(error)}`);
  process.exit(1);
});
