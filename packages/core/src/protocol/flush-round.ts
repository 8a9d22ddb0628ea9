import type { AcceptedProposal, Ballot, CutEntry, FlushOkFrame } from '../wire/frame.js';
import { compareBallots } from './ballot.js';
import type { MemberId, View } from './view.js';

/** What the coordinator does once every voter answered its proposal. */
export type FlushDecision =
  /** Every voter delivered up to the cut of one earlier proposal: it may be installed somewhere, so finish it. */
  | { readonly kind: 'adopt'; readonly accepted: AcceptedProposal }
  /** Nobody can have installed an earlier proposal: deliver up to this cut, then install our own. */
  | { readonly kind: 'cut'; readonly cut: FlushCut };

/** What every member delivers in the view being left: per origin, and by the total order's records. */
export interface FlushCut {
  readonly entries: readonly CutEntry[];
  /** The most order records any voter holds (0 without total order), and a voter that holds them. */
  readonly ordered: number;
  readonly orderHolder: MemberId | '';
}

/**
 * Coordinator side of one view change under one ballot. The voters are the members of `view`
 * (the view being left) that the mesh has not removed; joiners of `proposed` do not vote, since
 * they delivered nothing in `view`. Collects every voter's flush-ok, decides (adopt an earlier
 * proposal, or cut), then collects every voter's cut-ok.
 */
export class FlushRound {
  stage: 'collect' | 'cut' = 'collect';
  cut: FlushCut = { entries: [], ordered: 0, orderHolder: '' };
  private readonly flushOks = new Map<MemberId, FlushOkFrame>();
  private readonly cutOks = new Set<MemberId>();

  constructor(
    readonly view: View,
    readonly proposed: View,
    readonly ballot: Ballot,
    readonly voters: readonly MemberId[],
    public lastSentAt: number,
  ) {}

  /** Voters whose answer to the current stage is still missing. */
  waitingFor(): MemberId[] {
    return this.voters.filter((m) => (this.stage === 'collect' ? !this.flushOks.has(m) : !this.cutOks.has(m)));
  }

  /** Records a flush-ok; returns the decision once every voter answered. */
  recordFlushOk(frame: FlushOkFrame): FlushDecision | undefined {
    if (this.stage !== 'collect' || !this.voters.includes(frame.sender)) return undefined;
    this.flushOks.set(frame.sender, frame);
    if (this.waitingFor().length > 0) return undefined;
    const adopted = this.unanimousAccepted();
    if (adopted !== undefined) return { kind: 'adopt', accepted: adopted };
    this.cut = this.computeCut();
    this.stage = 'cut';
    return { kind: 'cut', cut: this.cut };
  }

  /** The members of `view` that need the group's state there: its joiners, and voters still awaiting it. */
  stateFor(view: View): MemberId[] {
    const awaiting = [...this.flushOks.values()].filter((ok) => ok.awaitingState).map((ok) => ok.sender);
    return [...new Set([...view.joined, ...awaiting])].filter((m) => view.members.includes(m));
  }

  /** Records a cut-ok; returns true when every voter has delivered up to the cut. */
  recordCutOk(member: MemberId): boolean {
    if (this.stage !== 'cut' || !this.voters.includes(member)) return false;
    this.cutOks.add(member);
    return this.waitingFor().length === 0;
  }

  /**
   * An earlier proposal can have been installed only if every member of the view delivered up
   * to its cut (its coordinator waits for all of them). A voter that did not has promised this
   * round's higher ballot and will never confirm that cut, so such a proposal is dead; if every
   * voter did, it may be installed somewhere and must be the outcome here too.
   */
  private unanimousAccepted(): AcceptedProposal | undefined {
    let first: AcceptedProposal | undefined;
    for (const ok of this.flushOks.values()) {
      const accepted = ok.accepted;
      if (accepted === undefined) return undefined;
      if (first === undefined) first = accepted;
      else if (compareBallots(first.ballot, accepted.ballot) !== 0) return undefined;
    }
    return first;
  }

  /**
   * Per origin, the highest seq any voter holds (a voter's own `sent` included), with one voter
   * that holds it, so that whatever one member may have delivered, every member delivers, and a
   * member that lacks a message of a failed origin knows whom to ask.
   */
  private computeCut(): FlushCut {
    const highest = new Map<MemberId, { seq: number; holder: MemberId }>();
    const raise = (origin: MemberId, seq: number, holder: MemberId) => {
      const current = highest.get(origin);
      if (current === undefined || seq > current.seq) highest.set(origin, { seq, holder });
    };
    let ordered = 0;
    let orderHolder: MemberId | '' = '';
    for (const ok of this.flushOks.values()) {
      raise(ok.sender, ok.sent, ok.sender);
      for (const e of ok.received) if (this.view.members.includes(e.member)) raise(e.member, e.seq, ok.sender);
      if (ok.ordered > ordered) {
        ordered = ok.ordered;
        orderHolder = ok.sender;
      }
    }
    const entries = this.view.members.map((member) => {
      const h = highest.get(member);
      return { member, seq: h?.seq ?? 0, holder: h?.holder ?? member };
    });
    return { entries, ordered, orderHolder };
  }
}
