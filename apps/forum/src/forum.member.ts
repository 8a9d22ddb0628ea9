import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { GroupMember, InjectGroup, OnMessage, OnView } from '@cohort/nestjs';
import type { Group, View } from '@cohort/nestjs';
import { forumConfig } from './forum-config.js';
import type { Post } from './thread-store.js';
import { ThreadStore } from './thread-store.js';

const config = forumConfig();

/**
 * A participant of the discussion. Posts go to the group in causal order: a reply is sent after
 * its author delivered the post it answers, so every member delivers the reply after that post.
 * Presence comes from the views: who is online is who is in the current view.
 */
@GroupMember('forum', { ordering: config.ordering })
@Injectable()
export class ForumMember {
  readonly store = new ThreadStore();
  readonly views: View[] = [];

  constructor(@InjectGroup('forum') readonly group: Group<Post>) {}

  @OnMessage('post')
  received(post: Post): void {
    this.store.add(post);
  }

  @OnView()
  presence(view: View): void {
    this.views.push(view);
    const name = (id: string) => id.replace(/-[0-9a-f]+(-\d+)?$/, '');
    const changes = [
      ...view.joined.map((m) => `+${name(m)}`),
      ...view.left.map((m) => `-${name(m)} (left)`),
      ...view.failed.map((m) => `-${name(m)} (failed)`),
    ];
    console.log(
      `PRESENCE ${JSON.stringify({ view: view.id, online: view.members.map(name), changes: changes.join(' ') })}`,
    );
  }

  /** Posts `text`, as a reply to `parent` if given; resolves once delivered here (and applied). */
  async post(text: string, parent?: string): Promise<string> {
    const id = randomUUID().slice(0, 8);
    await this.group.multicast(
      { id, author: config.name, text, ...(parent === undefined ? {} : { parent }) },
      { type: 'post' },
    );
    return id;
  }
}
