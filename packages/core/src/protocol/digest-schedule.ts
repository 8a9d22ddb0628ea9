import type { GroupProtocolConfig } from './config.js';

/**
 * When a member sends its stability digest (docs/design/group-protocol.md): every
 * `digestIntervalMs` while what it holds changed, every `idleDigestIntervalMs` regardless (a
 * lost tail is found from digests). Under safe delivery with `burstDigestMs`, also at the end of
 * every burst of inputs that brought or sent traffic, at most every `burstDigestMs`; a burst
 * digest skipped as too soon is owed, and goes out at the first end of a burst or tick after
 * that (the runtime sends an end-batch then), since a message is delivered only once every
 * member's digest covers it.
 */
export class DigestSchedule {
  private lastAt = Number.NEGATIVE_INFINITY;
  private dirty = true;
  private burst = false;
  private owed = false;
  private readonly burstMs: number;

  constructor(
    private readonly config: GroupProtocolConfig,
    safe: boolean,
  ) {
    this.burstMs = safe ? config.burstDigestMs : 0;
  }

  /** What this member holds changed. */
  changed(): void {
    this.dirty = true;
    if (this.burstMs > 0) this.burst = true;
  }

  /** Traffic waits for the end of the burst. */
  get burstPending(): boolean {
    return this.burst;
  }

  /** A burst digest was skipped as too soon: one is due `burstDigestMs` after the last. */
  get digestOwed(): boolean {
    return this.owed;
  }

  /** The end of a burst: true if the digest goes now. A member not open to traffic owes none. */
  atBurstEnd(now: number, open: boolean): boolean {
    const wanted = this.burst || this.owed;
    this.burst = false;
    if (!wanted || !open) {
      this.owed = false;
      return false;
    }
    if (now - this.lastAt >= this.burstMs) return true;
    this.owed = true;
    return false;
  }

  atTick(now: number): boolean {
    const since = now - this.lastAt;
    if (this.owed && since >= this.burstMs) return true;
    return (this.dirty && since >= this.config.digestIntervalMs) || since >= this.config.idleDigestIntervalMs;
  }

  sent(now: number): void {
    this.lastAt = now;
    this.dirty = false;
    this.owed = false;
  }
}
