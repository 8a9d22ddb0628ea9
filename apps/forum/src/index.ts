export { ThreadStore } from './thread-store.js';
export type { Post } from './thread-store.js';
export { forumConfig } from './forum-config.js';
export type { ForumConfig } from './forum-config.js';
