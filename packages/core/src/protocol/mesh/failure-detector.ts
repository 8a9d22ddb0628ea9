import type { MemberId } from '../view.js';

export interface DetectorTiming {
  readonly suspectAfterMs: number;
  readonly verifyTimeoutMs: number;
}

export type DetectorEvent =
  { readonly kind: 'ping'; readonly member: MemberId } | { readonly kind: 'unreachable'; readonly member: MemberId };

/**
 * Per-member liveness opinion of one node (VERIFY_SUSPECT style): silent for suspectAfterMs →
 * ping it directly; still silent verifyTimeoutMs after the ping → unreachable. Hearing anything
 * from a member clears both. Pure: time comes in as `now`.
 */
export class FailureDetector {
  private readonly lastHeard = new Map<MemberId, number>();
  private readonly pingedAt = new Map<MemberId, number>();
  private readonly down = new Set<MemberId>();

  constructor(private readonly timing: DetectorTiming) {}

  /** Starts watching members (from `now`, so a new member gets a full grace period). */
  watch(members: Iterable<MemberId>, now: number): void {
    const keep = new Set(members);
    for (const m of keep) if (!this.lastHeard.has(m)) this.lastHeard.set(m, now);
    for (const m of [...this.lastHeard.keys()]) {
      if (!keep.has(m)) {
        this.lastHeard.delete(m);
        this.pingedAt.delete(m);
        this.down.delete(m);
      }
    }
  }

  /** Returns true if the member was considered unreachable and is not any more. */
  heard(member: MemberId, now: number): boolean {
    if (!this.lastHeard.has(member)) return false;
    this.lastHeard.set(member, now);
    this.pingedAt.delete(member);
    return this.down.delete(member);
  }

  /** A fresh grace period for every member (after this node itself was cut off from the bus). */
  reset(now: number): void {
    for (const m of this.lastHeard.keys()) this.lastHeard.set(m, now);
    this.pingedAt.clear();
    this.down.clear();
  }

  isUnreachable(member: MemberId): boolean {
    return this.down.has(member);
  }

  unreachable(): ReadonlySet<MemberId> {
    return this.down;
  }

  tick(now: number): DetectorEvent[] {
    const events: DetectorEvent[] = [];
    for (const [member, last] of this.lastHeard) {
      if (this.down.has(member) || now - last < this.timing.suspectAfterMs) continue;
      const pinged = this.pingedAt.get(member);
      if (pinged === undefined) {
        this.pingedAt.set(member, now);
        events.push({ kind: 'ping', member });
      } else if (now - pinged >= this.timing.verifyTimeoutMs) {
        this.down.add(member);
        events.push({ kind: 'unreachable', member });
      }
    }
    return events;
  }
}
