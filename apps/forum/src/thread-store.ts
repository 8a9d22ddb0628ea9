import { createHash } from 'node:crypto';

/** One post of the discussion; `parent` is the post it answers. */
export interface Post {
  readonly id: string;
  readonly author: string;
  readonly parent?: string;
  readonly text: string;
}

/**
 * The discussion as one member sees it, in its delivery order. Causal order promises that a
 * reply is delivered after the post it answers (the author saw that post before replying), so
 * `orphans` (replies delivered before their parent) stays 0. Concurrent posts may be delivered
 * in different orders at different members: the digest covers the set of posts and each one's
 * parent, not the order.
 */
export class ThreadStore {
  private readonly posts = new Map<string, Post>();
  private readonly order: string[] = [];
  private orphanCount = 0;

  add(post: Post): void {
    if (this.posts.has(post.id)) return;
    if (post.parent !== undefined && !this.posts.has(post.parent)) this.orphanCount++;
    this.posts.set(post.id, post);
    this.order.push(post.id);
  }

  has(id: string): boolean {
    return this.posts.has(id);
  }

  get size(): number {
    return this.posts.size;
  }

  /** Replies delivered before the post they answer: a causal-order violation. */
  get orphans(): number {
    return this.orphanCount;
  }

  /** A post id at `index` in delivery order (for picking something to reply to). */
  at(index: number): string | undefined {
    return this.order[index];
  }

  /** Order-independent digest of the posts and their reply structure. */
  digest(): string {
    const lines = [...this.posts.values()].map((p) => `${p.id}<${p.parent ?? ''}`).sort();
    return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
  }

  /** The thread under `root`, indented, for the console. */
  render(root: string, depth = 0, out: string[] = []): string[] {
    const post = this.posts.get(root);
    if (post === undefined) return out;
    out.push(`${'  '.repeat(depth)}${post.author}: ${post.text}`);
    for (const p of this.posts.values()) if (p.parent === root) this.render(p.id, depth + 1, out);
    return out;
  }
}
