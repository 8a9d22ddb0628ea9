import type { MemberId, View } from '../view.js';

/**
 * Requests to join and leave the mesh that this node heard (docs/design/membership.md): joiners
 * in the order first heard, which is their age order once admitted, and announced leavers. A
 * coordinator turns them into the next view; every node uses them to see a whole mesh leaving.
 */
export class MeshRequests {
  /** Nodes asking to join, with when each last asked. */
  private readonly joiners = new Map<MemberId, number>();
  private readonly leavers = new Set<MemberId>();
  /**
   * This mesh once removed a node as failed: it may be alive behind a partition, and only a
   * member still here can tell it that it was removed once the partition heals.
   */
  private removedSome = false;

  constructor(private readonly joinTimeoutMs: number) {}

  heardJoin(joiner: MemberId, now: number): void {
    this.joiners.set(joiner, now);
  }

  /** A member of `view` announced its leave (this node's own included). */
  heardLeave(member: MemberId): void {
    this.leavers.add(member);
  }

  /** Forgets joiners that stopped asking: they gave up or joined another mesh. */
  expire(now: number): void {
    for (const [joiner, heardAt] of this.joiners) {
      if (now - heardAt > 2 * this.joinTimeoutMs) this.joiners.delete(joiner);
    }
  }

  /** Joiners heard within the last join timeout: those a first view may include. */
  fresh(now: number): MemberId[] {
    return [...this.joiners].filter(([, at]) => now - at <= this.joinTimeoutMs).map(([m]) => m);
  }

  /** Joiners not in `view` yet. */
  joinersOutside(view: View): MemberId[] {
    return [...this.joiners.keys()].filter((m) => !view.members.includes(m));
  }

  /** Members of `view` that announced their leave. */
  leaversIn(view: View): MemberId[] {
    return view.members.filter((m) => this.leavers.has(m));
  }

  /**
   * Every member of `view` is leaving (a whole deployment shutting down) and nobody asks to join:
   * no next view can be committed. Not in a mesh that ever removed a node as failed: that node
   * may be alive behind a partition, and without a member left to tell it that it was removed it
   * would stay blocked for good (found by the whole-node simulator, seed 2649).
   */
  everyoneLeaves(view: View): boolean {
    return view.members.every((m) => this.leavers.has(m)) && this.joiners.size === 0 && !this.removedSome;
  }

  /** This node installed `view`: its members joined, and leavers outside it are gone. */
  installed(view: View): void {
    if (view.failed.length > 0) this.removedSome = true;
    for (const m of view.members) this.joiners.delete(m);
    for (const m of [...this.leavers]) if (!view.members.includes(m)) this.leavers.delete(m);
  }
}
