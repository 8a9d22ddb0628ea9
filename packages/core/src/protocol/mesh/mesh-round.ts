import type { Ballot, MeshAcceptedFrame, MeshPromiseFrame } from '../../wire/frame.js';
import { compareBallots } from '../ballot.js';
import type { MemberId, View } from '../view.js';
import type { AcceptedView } from './mesh-vote.js';

/**
 * The acting coordinator's attempt to commit the next view: one instance (the next view id),
 * one ballot; promises, then acceptances, counted per member.
 */
export class MeshRound {
  stage: 'prepare' | 'accept' = 'prepare';
  proposal: View | undefined;
  readonly promises = new Map<MemberId, AcceptedView | undefined>();
  readonly accepts = new Set<MemberId>();
  lastSentAt: number;

  constructor(
    readonly instance: number,
    readonly ballot: Ballot,
    readonly startedAt: number,
  ) {
    this.lastSentAt = startedAt;
  }

  /** Records a promise for this very round; false if it is about another. */
  recordPromise(frame: MeshPromiseFrame): boolean {
    if (this.stage !== 'prepare' || !this.about(frame.instance, frame.ballot)) return false;
    this.promises.set(frame.sender, frame.accepted);
    return true;
  }

  /** Records an acceptance for this very round; false if it is about another. */
  recordAccepted(frame: MeshAcceptedFrame): boolean {
    if (this.stage !== 'accept' || !this.about(frame.instance, frame.ballot)) return false;
    this.accepts.add(frame.sender);
    return true;
  }

  /** The view some promiser already accepted under the highest ballot: it may be committed somewhere. */
  chosen(): AcceptedView | undefined {
    let chosen: AcceptedView | undefined;
    for (const a of this.promises.values()) {
      if (a !== undefined && (chosen === undefined || compareBallots(a.ballot, chosen.ballot) > 0)) chosen = a;
    }
    return chosen;
  }

  /** Members of `view` (but `self`) whose answer to the current stage is still missing. */
  unanswered(view: View, self: MemberId): MemberId[] {
    const answered = this.stage === 'prepare' ? this.promises : this.accepts;
    return view.members.filter((m) => m !== self && !answered.has(m));
  }

  private about(instance: number, ballot: Ballot): boolean {
    return instance === this.instance && compareBallots(ballot, this.ballot) === 0;
  }
}
