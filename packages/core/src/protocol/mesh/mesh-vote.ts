import type { Ballot } from '../../wire/frame.js';
import { ZERO_BALLOT, compareBallots, maxBallot } from '../ballot.js';
import type { View } from '../view.js';

export interface AcceptedView {
  readonly ballot: Ballot;
  readonly view: View;
}

/**
 * A node's Paxos acceptor state for the next mesh view: the highest ballot it promised, the view
 * it accepted, if any (both reset at every install), and the highest ballot it has seen at all,
 * so that a round of its own starts above every competitor's.
 */
export class MeshVote {
  promised: Ballot = ZERO_BALLOT;
  accepted: AcceptedView | undefined;
  private highestSeen: Ballot = ZERO_BALLOT;

  seen(ballot: Ballot): void {
    this.highestSeen = maxBallot(this.highestSeen, ballot);
  }

  /** A ballot higher than any promised or seen. */
  nextBallot(node: string): Ballot {
    return { n: Math.max(this.promised.n, this.highestSeen.n) + 1, node };
  }

  /** Promises `ballot` unless a higher one was promised; false if refused. */
  promise(ballot: Ballot): boolean {
    this.seen(ballot);
    if (compareBallots(ballot, this.promised) < 0) return false;
    this.promised = ballot;
    return true;
  }

  /** Accepts `view` under `ballot` unless a higher ballot was promised; false if refused. */
  accept(ballot: Ballot, view: View): boolean {
    if (!this.promise(ballot)) return false;
    this.accepted = { ballot, view };
    return true;
  }

  reset(): void {
    this.promised = ZERO_BALLOT;
    this.accepted = undefined;
  }
}
