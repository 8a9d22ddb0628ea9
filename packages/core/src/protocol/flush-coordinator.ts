import type {
  Ballot,
  CutFrame,
  CutOkFrame,
  FlushNackFrame,
  FlushOkFrame,
  Frame,
  InstallFrame,
  ProposeFrame,
} from '../wire/frame.js';
import { ZERO_BALLOT, compareBallots, maxBallot } from './ballot.js';
import { FlushRound } from './flush-round.js';
import type { FlushCut } from './flush-round.js';
import type { Destination, DropReason } from './messages.js';
import type { MemberId, View } from './view.js';
import { isMember } from './view.js';

/** What the coordinator role needs from its group machine. */
export interface CoordinatorHost {
  readonly group: string;
  readonly self: MemberId;
  readonly retryMs: number;
  /** Nodes the mesh removed. */
  readonly departed: ReadonlySet<MemberId>;
  /** The installed view, while this member may run view changes (acting coordinator, not blocked, not handing over). */
  coordinating(): View | undefined;
  /** The highest ballot this member promised, and who proposed the flush it follows, if any. */
  promised(): Ballot;
  following(): MemberId | undefined;
  header(): { group: string; sender: MemberId; viewId: number };
  send(to: Destination, frame: Frame): void;
  drop(reason: DropReason, frame: Frame, detail: string): void;
  /** The current view if the frame is from one of its members (buffering or dropping it otherwise). */
  admit(frame: Frame): View | undefined;
  /** This member's own part in its proposals, handled locally. */
  propose(frame: ProposeFrame, now: number): void;
  cut(frame: CutFrame, now: number): void;
  install(frame: InstallFrame, now: number): void;
  /** Every member of the view is leaving or gone, this one included: nobody to hand the group to. */
  endAlone(): void;
  /** Resends a remembered install to a member that took part in that change; false if none. */
  resendInstall(to: MemberId, viewId: number): boolean;
}

/**
 * The acting coordinator's side of a group's view changes (docs/design/group-membership.md):
 * collects join and leave requests, decides the next view (failures from the mesh, leaves,
 * joins), and drives one flush round at a time under a ballot higher than any seen, restarting
 * it when a voter fails and backing off when a higher ballot refuses it.
 */
export class FlushCoordinator {
  private round: FlushRound | undefined;
  private backoffUntil = 0;
  private highestSeen: Ballot = ZERO_BALLOT;
  private readonly joinRequests = new Set<MemberId>();
  private readonly leaveRequests = new Set<MemberId>();

  constructor(private readonly host: CoordinatorHost) {}

  /** Drops the round in progress (the view was installed, or this member is no longer acting). */
  stop(): void {
    this.round = undefined;
  }

  /** A ballot seen in a proposal or a refusal: the next round goes higher. */
  seen(ballot: Ballot): void {
    this.highestSeen = maxBallot(this.highestSeen, ballot);
  }

  /** This member promised `ballot` of another proposer: a lower round of its own can no longer win. */
  yieldTo(ballot: Ballot, proposer: MemberId): void {
    const round = this.round;
    if (round !== undefined && proposer !== this.host.self && compareBallots(ballot, round.ballot) > 0) {
      this.round = undefined;
    }
  }

  forget(members: Iterable<MemberId>): void {
    for (const m of members) this.joinRequests.delete(m);
  }

  requestJoin(joiner: MemberId, now: number): void {
    this.joinRequests.add(joiner);
    this.maybeStart(now);
  }

  requestLeave(leaver: MemberId, now: number): void {
    this.leaveRequests.add(leaver);
    this.maybeStart(now);
  }

  tick(now: number): void {
    const round = this.round;
    if (round === undefined) return this.maybeStart(now);
    if (this.host.coordinating() === undefined) this.round = undefined;
    else if (round.voters.some((m) => this.host.departed.has(m))) this.restart(now);
    else if (now - round.lastSentAt >= this.host.retryMs) this.resend(round, now);
  }

  /**
   * The next view this coordinator wants: without the members the mesh removed (failed) and
   * those that asked to leave, with the joiners; undefined when nothing changes.
   */
  private desiredView(view: View): View | undefined {
    const { departed, self, group } = this.host;
    const failed = view.members.filter((m) => departed.has(m));
    let left = view.members.filter((m) => this.leaveRequests.has(m) && !departed.has(m));
    const joined = [...this.joinRequests].filter((m) => !view.members.includes(m) && !departed.has(m));
    if (failed.length === 0 && left.length === 0 && joined.length === 0) return undefined;
    // Everyone still here is leaving: this coordinator goes first and the others stay in the view
    // (a view has members), to leave through the next change, run by the next-oldest of them.
    if (joined.length === 0 && left.length > 1 && left.length === view.members.length - failed.length) {
      left = left.filter((m) => m === self);
    }
    const members = view.members.filter((m) => !failed.includes(m) && !left.includes(m)).concat(joined);
    return { group, id: view.id + 1, members, coordinator: members[0] ?? self, joined, left, failed };
  }

  maybeStart(now: number): void {
    const view = this.host.coordinating();
    if (view === undefined || this.round !== undefined || now < this.backoffUntil) return;
    // Another member's proposal is under way here: let it finish (or fail and be superseded).
    const proposer = this.host.following();
    if (proposer !== undefined && proposer !== this.host.self && !this.host.departed.has(proposer)) return;
    const proposed = this.desiredView(view);
    if (proposed === undefined) return;
    if (proposed.members.length === 0) return this.host.endAlone();
    const ballot: Ballot = { n: Math.max(this.host.promised().n, this.highestSeen.n) + 1, node: this.host.self };
    const voters = view.members.filter((m) => !this.host.departed.has(m));
    this.round = new FlushRound(view, proposed, ballot, voters, now);
    const frame: ProposeFrame = { kind: 'propose', ...this.host.header(), ballot, view: proposed };
    this.host.send({ kind: 'group', channel: 'ctl' }, frame);
    this.host.propose(frame, now);
  }

  /** A voter failed during the flush: propose again, without it, under a higher ballot. */
  private restart(now: number): void {
    this.round = undefined;
    this.maybeStart(now);
  }

  private resend(round: FlushRound, now: number): void {
    round.lastSentAt = now;
    const header = this.host.header();
    const frame: Frame =
      round.stage === 'collect'
        ? { kind: 'propose', ...header, ballot: round.ballot, view: round.proposed }
        : cutFrame(header, round.proposed.id, round.ballot, round.cut);
    for (const member of round.waitingFor()) this.host.send({ kind: 'node', node: member }, frame);
  }

  private own(proposedViewId: number, ballot: Ballot): FlushRound | undefined {
    const round = this.round;
    if (round === undefined || round.proposed.id !== proposedViewId) return undefined;
    return compareBallots(round.ballot, ballot) === 0 ? round : undefined;
  }

  onFlushOk(frame: FlushOkFrame, now: number): void {
    if (frame.sender !== this.host.self && this.host.admit(frame) === undefined) return;
    const round = this.own(frame.proposedViewId, frame.ballot);
    if (round === undefined) {
      return this.host.drop('unexpected', frame, `no flush round for view ${frame.proposedViewId}`);
    }
    const decision = round.recordFlushOk(frame);
    if (decision === undefined) return;
    round.lastSentAt = now;
    if (decision.kind === 'adopt') {
      const { ballot, view } = decision.accepted;
      const stateFor = round.stateFor(view);
      return this.broadcastInstall({ kind: 'install', ...this.host.header(), ballot, view, stateFor }, now);
    }
    const cut = cutFrame(this.host.header(), round.proposed.id, round.ballot, decision.cut);
    this.host.send({ kind: 'group', channel: 'ctl' }, cut);
    this.host.cut(cut, now);
  }

  onFlushNack(frame: FlushNackFrame, now: number): void {
    this.seen(frame.ballot);
    const round = this.round;
    if (round === undefined || round.proposed.id !== frame.proposedViewId) return;
    if (compareBallots(frame.ballot, round.ballot) <= 0) return;
    this.round = undefined;
    this.backoffUntil = now + this.host.retryMs;
  }

  onCutOk(frame: CutOkFrame, now: number): void {
    const round = this.own(frame.proposedViewId, frame.ballot);
    if (round === undefined) {
      // A member that missed the install keeps confirming the cut: send it the install again.
      if (this.host.resendInstall(frame.sender, frame.proposedViewId)) return;
      return this.host.drop('unexpected', frame, `no flush round for view ${frame.proposedViewId}`);
    }
    if (frame.sender !== this.host.self && this.host.admit(frame) === undefined) return;
    if (!round.recordCutOk(frame.sender)) return;
    const { ballot, proposed } = round;
    this.broadcastInstall(
      { kind: 'install', ...this.host.header(), ballot, view: proposed, stateFor: round.stateFor(proposed) },
      now,
    );
  }

  private broadcastInstall(install: InstallFrame, now: number): void {
    this.round = undefined;
    this.host.send({ kind: 'group', channel: 'ctl' }, install);
    this.host.install(install, now);
  }

  /** After an install: requests of members now in the view are done; leave requests start over. */
  installed(view: View): void {
    this.round = undefined;
    this.forget(view.members);
    for (const m of [...this.leaveRequests]) if (!isMember(view, m)) this.leaveRequests.delete(m);
  }
}

function cutFrame(
  header: { group: string; sender: MemberId; viewId: number },
  proposedViewId: number,
  ballot: Ballot,
  cut: FlushCut,
): CutFrame {
  return {
    kind: 'cut',
    ...header,
    proposedViewId,
    ballot,
    cut: cut.entries,
    ordered: cut.ordered,
    orderHolder: cut.orderHolder,
  };
}
