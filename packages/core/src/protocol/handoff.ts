import type { MemberId } from './view.js';

/**
 * A node on its way out that holds the only sure copy of the view that excludes it (a leaving
 * coordinator, or one forced to commit such a view) stays until every member of that view has
 * confirmed it, resending meanwhile; otherwise a member that lost the one broadcast would wait
 * forever for a node that is gone. Bounded: a member that crashed never confirms.
 */
export class Handoff<T> {
  private readonly waiting: Set<MemberId>;
  private lastSentAt: number;
  private readonly deadline: number;

  constructor(
    readonly payload: T,
    members: Iterable<MemberId>,
    now: number,
    private readonly retryMs: number,
    retries: number,
  ) {
    this.waiting = new Set(members);
    this.lastSentAt = now;
    this.deadline = now + retries * retryMs;
  }

  /** Records a confirmation; true once nobody is left to confirm. */
  confirm(member: MemberId): boolean {
    this.waiting.delete(member);
    return this.waiting.size === 0;
  }

  /** 'over' once everybody confirmed or the time is up; else whom to resend to now (maybe nobody). */
  tick(now: number): 'over' | MemberId[] {
    if (this.waiting.size === 0 || now >= this.deadline) return 'over';
    if (now - this.lastSentAt < this.retryMs) return [];
    this.lastSentAt = now;
    return [...this.waiting];
  }
}
