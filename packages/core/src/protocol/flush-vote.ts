import type { AcceptedProposal, Ballot } from '../wire/frame.js';
import { ZERO_BALLOT, compareBallots } from './ballot.js';
import type { View } from './view.js';

/** Member side of the proposal this member currently follows: sending stopped for `view`. */
export interface MemberFlush {
  readonly view: View;
  readonly ballot: Ballot;
  /** The proposer's cut arrived (delivery is capped by it). */
  cutSet: boolean;
  /** When this member had delivered up to the cut; undefined until then. */
  cutReachedAt: number | undefined;
}

/**
 * One member's vote on the next view change, Paxos-style: the highest ballot promised, and the
 * proposal whose cut it last delivered up to (an acceptance: that proposal may be installed
 * once every member accepted it). Both concern the view after the installed one and are reset
 * at every install.
 */
export class FlushVote {
  promised: Ballot = ZERO_BALLOT;
  accepted: AcceptedProposal | undefined;
  flush: MemberFlush | undefined;

  /** Promises `ballot` unless a higher one was promised; false if refused. */
  promise(ballot: Ballot): boolean {
    if (compareBallots(ballot, this.promised) < 0) return false;
    this.promised = ballot;
    return true;
  }

  accept(flush: MemberFlush): void {
    this.accepted = { ballot: flush.ballot, view: flush.view };
  }

  hasAccepted(ballot: Ballot, viewId: number): boolean {
    const a = this.accepted;
    return a !== undefined && a.view.id === viewId && compareBallots(a.ballot, ballot) === 0;
  }

  reset(): void {
    this.promised = ZERO_BALLOT;
    this.accepted = undefined;
    this.flush = undefined;
  }
}
