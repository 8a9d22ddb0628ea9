import type { Ballot, CutFrame, CutOkFrame, FlushOkFrame, Frame, ProposeFrame } from '../wire/frame.js';
import { compareBallots } from './ballot.js';
import type { FlushCoordinator } from './flush-coordinator.js';
import { FlushVote } from './flush-vote.js';
import type { MemberFlush } from './flush-vote.js';
import type { Destination, DropReason, GroupOutput } from './messages.js';
import type { ViewChannel } from './view-channel.js';
import type { MemberId, View } from './view.js';

/** What a member's part in the flush needs from its group machine. */
export interface FlushMemberPort {
  readonly self: MemberId;
  readonly retryMs: number;
  /**
   * This member's own coordinator role: it hears of every ballot (its next round goes higher),
   * and this member's votes on its own proposals go to it directly instead of over the bus.
   */
  readonly coordinator: Pick<FlushCoordinator, 'seen' | 'yieldTo' | 'onFlushOk' | 'onCutOk'>;
  /** The installed view (this member's own proposals and cuts need no admission). */
  view(): View | undefined;
  /** The current view if the frame is from one of its members (buffering or dropping it otherwise). */
  admit(frame: Frame): View | undefined;
  /** The installed view's channel; there is one whenever a frame was admitted. */
  channel(): ViewChannel;
  /** This member joined and still waits for the group's state: its flush-ok says so. */
  awaitingState(): boolean;
  header(): { group: string; sender: MemberId; viewId: number };
  send(to: Destination, frame: Frame): void;
  drop(reason: DropReason, frame: Frame, detail: string): void;
  output(output: GroupOutput): void;
}

/**
 * A member's side of a view change (DESIGN §5.4, docs/design/group-membership.md), whoever
 * proposes it: it promises the proposal's ballot (or refuses it with a nack), stops sending and
 * answers with what it holds (flush-ok), delivers up to the proposer's cut, then accepts the
 * proposal and confirms (cut-ok), again until the install arrives. It keeps the member's vote
 * (the install is checked against it) and since when sending stopped: a view change is a window
 * in which multicasts wait, reported when it ends and bounded by flushTimeoutMs.
 */
export class FlushMember {
  private readonly vote = new FlushVote();
  private stoppedAt: number | undefined;

  constructor(private readonly port: FlushMemberPort) {}

  /** True while this member follows a proposal: sending stopped for it. */
  get flushing(): boolean {
    return this.vote.flush !== undefined;
  }

  /** The highest ballot this member promised. */
  get promised(): Ballot {
    return this.vote.promised;
  }

  /** Who proposed the flush this member follows, if any. */
  get following(): MemberId | undefined {
    return this.vote.flush?.ballot.node;
  }

  /** Since when this member has not sent for the view change under way; undefined if none is. */
  get stoppedSendingAt(): number | undefined {
    return this.stoppedAt;
  }

  /** An install may only follow the acceptance of that very proposal: its cut was delivered here. */
  hasAccepted(ballot: Ballot, viewId: number): boolean {
    return this.vote.hasAccepted(ballot, viewId);
  }

  onPropose(frame: ProposeFrame, now: number): void {
    const view = frame.sender === this.port.self ? this.port.view() : this.port.admit(frame);
    if (view === undefined) return;
    if (frame.view.id !== view.id + 1) return this.port.drop('stale-view', frame, `proposed view ${frame.view.id}`);
    this.port.coordinator.seen(frame.ballot);
    if (!this.vote.promise(frame.ballot)) return this.nack(frame.sender, frame.view.id);
    // A higher ballot: a round of this member's own can no longer collect every vote.
    this.port.coordinator.yieldTo(frame.ballot, frame.sender);
    const channel = this.port.channel();
    if (this.vote.flush === undefined || compareBallots(this.vote.flush.ballot, frame.ballot) !== 0) {
      if (this.vote.flush === undefined) this.port.output({ kind: 'status', status: 'flushing' });
      // A takeover's proposal continues the same window: sending stopped at the first one.
      this.stoppedAt ??= now;
      this.vote.flush = { view: frame.view, ballot: frame.ballot, cutSet: false, cutReachedAt: undefined };
      channel.hold();
    }
    const ok: FlushOkFrame = {
      kind: 'flush-ok',
      ...this.port.header(),
      proposedViewId: frame.view.id,
      ballot: frame.ballot,
      sent: channel.sent,
      received: channel.holdings(),
      ordered: channel.ordered,
      awaitingState: this.port.awaitingState(),
      accepted: this.vote.accepted,
    };
    if (frame.sender === this.port.self) this.port.coordinator.onFlushOk(ok, now);
    else this.port.send({ kind: 'node', node: frame.sender }, ok);
  }

  onCut(frame: CutFrame, now: number): void {
    const view = frame.sender === this.port.self ? this.port.view() : this.port.admit(frame);
    if (view === undefined) return;
    const flush = this.vote.flush;
    if (
      flush === undefined ||
      flush.view.id !== frame.proposedViewId ||
      compareBallots(flush.ballot, frame.ballot) !== 0
    ) {
      if (compareBallots(frame.ballot, this.vote.promised) < 0) return this.nack(frame.sender, frame.proposedViewId);
      return this.port.drop('unexpected', frame, `cut for view ${frame.proposedViewId} without its proposal`);
    }
    if (flush.cutSet) {
      if (flush.cutReachedAt !== undefined) this.sendCutOk(flush, false);
      return;
    }
    flush.cutSet = true;
    this.port.channel().setCut(frame.cut, frame.ordered, frame.orderHolder, now);
    this.checkCut(now);
  }

  /** After anything that may deliver: once everything up to the cut is delivered, confirm it to the proposer. */
  checkCut(now: number): void {
    const flush = this.vote.flush;
    if (flush === undefined || !flush.cutSet || flush.cutReachedAt !== undefined) return;
    const channel = this.port.channel();
    if (!channel.reachedCut()) return;
    flush.cutReachedAt = now;
    channel.finish();
    this.vote.accept(flush);
    this.sendCutOk(flush, false);
  }

  /** Confirms the cut again until the install arrives: the cut-ok or the install may have been lost. */
  tick(now: number): void {
    const flush = this.vote.flush;
    if (flush?.cutReachedAt !== undefined && now - flush.cutReachedAt >= this.port.retryMs) {
      flush.cutReachedAt = now;
      this.sendCutOk(flush, true);
    }
  }

  /** A view was installed: the window ends here, and the vote starts over for the view after it. */
  installed(viewId: number, now: number): void {
    if (this.stoppedAt !== undefined) {
      this.port.output({ kind: 'flushed', viewId, blockedMs: now - this.stoppedAt });
      this.stoppedAt = undefined;
    }
    this.vote.reset();
  }

  /** This member leaves, hands the group over or is removed: it takes no further part in view changes. */
  stop(): void {
    this.stoppedAt = undefined;
    this.vote.reset();
  }

  private nack(to: MemberId, proposedViewId: number): void {
    this.port.send(
      { kind: 'node', node: to },
      { kind: 'flush-nack', ...this.port.header(), proposedViewId, ballot: this.vote.promised },
    );
  }

  private sendCutOk(flush: MemberFlush, retry: boolean): void {
    const frame: CutOkFrame = {
      kind: 'cut-ok',
      ...this.port.header(),
      proposedViewId: flush.view.id,
      ballot: flush.ballot,
    };
    const proposer = flush.ballot.node;
    if (proposer === this.port.self) return this.port.coordinator.onCutOk(frame, flush.cutReachedAt ?? 0);
    this.port.send({ kind: 'node', node: proposer }, frame);
    // On a retry the proposer may be gone (it left, perhaps after further view changes). Every
    // member of the proposed view remembers the install once it has it, so ask them all.
    if (!retry) return;
    for (const member of flush.view.members) {
      if (member !== this.port.self && member !== proposer) this.port.send({ kind: 'node', node: member }, frame);
    }
  }
}
