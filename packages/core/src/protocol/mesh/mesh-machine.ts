import type {
  MeshAcceptFrame,
  MeshAcceptedFrame,
  MeshBeaconFrame,
  MeshCommitFrame,
  MeshFrame,
  MeshNackFrame,
  MeshPrepareFrame,
  MeshPromiseFrame,
} from '../../wire/frame.js';
import { MESH_GROUP } from '../../wire/frame.js';
import type { MemberId, View } from '../view.js';
import { isMember } from '../view.js';
import { compareBallots } from '../ballot.js';
import { FailureDetector } from './failure-detector.js';
import { MeshIdentity } from './mesh-identity.js';
import type { MeshConfig } from './mesh-config.js';
import type { MeshDestination, MeshInput, MeshOutput, MeshStatus } from './mesh-messages.js';
import { MeshRequests } from './mesh-requests.js';
import { MeshRound } from './mesh-round.js';
import { MeshVote } from './mesh-vote.js';
import { hasQuorum } from './quorum.js';
import { Handoff } from '../handoff.js';

type Phase = 'idle' | 'joining' | 'member' | 'removed' | 'left';

/**
 * Paxos quorums are majorities of the whole current view, leavers included, so that any two of
 * them intersect whatever each coordinator believes about who is leaving.
 */
const NOBODY: ReadonlySet<MemberId> = new Set();
/** Commit resends a leaving node attempts before it gives up handing over and leaves. */
const HANDOFF_RETRIES = 20;

/**
 * Tier 1 of the membership service (docs/design/membership.md) for one node, as a pure state
 * machine: failure detection, joins and leaves, and view changes committed by the acting
 * coordinator through ballots (prepare/promise, accept/accepted, commit) with the
 * primary-partition quorum of DESIGN §3.11.
 */
export class MeshMachine {
  private out: MeshOutput[] = [];
  private phase: Phase = 'idle';
  private view: View | undefined;
  private blocked = false;
  private readonly detector: FailureDetector;
  private readonly requests: MeshRequests;
  private leaving = false;
  /** Promised ballot and accepted view for the instance `view.id + 1`. */
  private readonly vote = new MeshVote();
  private round: MeshRound | undefined;
  /** After losing a ballot contest, do not start a round before this time. */
  private backoffUntil = 0;
  private readonly commits: View[] = [];
  private lastHeartbeatAt = Number.NEGATIVE_INFINITY;
  private lastRequestAt = Number.NEGATIVE_INFINITY;
  private lastSyncAt = Number.NEGATIVE_INFINITY;
  private readonly identity: MeshIdentity;
  private joinDeadline = 0;
  /** A member confirms the view without this node by a heartbeat that shows it. */
  private handoff: Handoff<View> | undefined;
  /** False while this node's own connection to the bus is down: silence then proves nothing. */
  private busUp = true;

  /**
   * `rejoining`: a new incarnation of a node the primary mesh removed (or that left a junior
   * mesh to merge). A primary exists, so it waits three join timeouts of silence, not one,
   * before it would form a mesh of its own.
   */
  constructor(
    readonly self: MemberId,
    private readonly config: MeshConfig,
    private readonly rejoining = false,
  ) {
    this.detector = new FailureDetector(config);
    this.identity = new MeshIdentity(config.joinTimeoutMs);
    this.requests = new MeshRequests(config.joinTimeoutMs);
  }

  get currentView(): View | undefined {
    return this.view;
  }

  get status(): MeshStatus {
    if (this.phase === 'idle' || this.phase === 'joining') return 'joining';
    if (this.phase === 'member') return this.blocked ? 'blocked' : 'member';
    return this.phase;
  }

  step(input: MeshInput): MeshOutput[] {
    this.out = [];
    switch (input.kind) {
      case 'start':
        this.start(input.now);
        break;
      case 'tick':
        this.tick(input.now);
        break;
      case 'frame':
        this.onFrame(input.frame, input.now);
        break;
      case 'leave':
        this.onLeave(input.now);
        break;
      case 'bus':
        this.onBus(input.up, input.now);
        break;
    }
    return this.out;
  }

  private send(to: MeshDestination, frame: MeshFrame): void {
    this.out.push({ kind: 'send', to, frame });
  }

  private header(): { group: string; sender: MemberId; viewId: number } {
    return { group: MESH_GROUP, sender: this.self, viewId: this.view?.id ?? 0 };
  }

  /** Every member knows the founder: it formed the first view, or learned it from a commit. */
  private commitFrame(view: View): MeshCommitFrame {
    return { kind: 'mcommit', ...this.header(), founder: this.identity.founder!, view };
  }

  private setStatus(): void {
    this.out.push({ kind: 'status', status: this.status });
  }

  // ---- lifecycle --------------------------------------------------------------------------

  private start(now: number): void {
    if (this.phase !== 'idle') return;
    this.phase = 'joining';
    this.setStatus();
    this.joinDeadline = now + this.joinPatience();
    this.identity.startJoining(now);
    this.request('mjoin', now);
  }

  /** How long a joiner waits in silence before it forms a mesh of its own. */
  private joinPatience(): number {
    return (this.rejoining ? 3 : 1) * this.config.joinTimeoutMs;
  }

  /** A mesh exists: wait for its coordinator rather than forming a mesh of one beside it. */
  private meshExists(now: number): void {
    this.joinDeadline = Math.max(this.joinDeadline, now + this.joinPatience());
  }

  private request(kind: 'mjoin' | 'mleave', now: number): void {
    this.lastRequestAt = now;
    this.send({ kind: 'mesh', channel: 'join' }, { kind, ...this.header() });
  }

  private onLeave(now: number): void {
    if (this.phase === 'left' || this.phase === 'removed') return;
    const view = this.view;
    if (this.phase !== 'member' || view === undefined || view.members.length === 1) {
      // Not admitted yet (or alone): nothing to hand over. If a coordinator admitted this node
      // meanwhile, its failure detection removes the silent member.
      this.phase = 'left';
      this.setStatus();
      return;
    }
    this.leaving = true;
    this.requests.heardLeave(this.self);
    // Also from the acting coordinator: the others learn it is leaving, so that if every member
    // is, each of them can see it and go (below).
    this.request('mleave', now);
  }

  private onBus(up: boolean, now: number): void {
    if (up === this.busUp) return;
    this.busUp = up;
    if (up) this.detector.reset(now);
    else this.joinDeadline = Number.POSITIVE_INFINITY;
    if (up && this.phase === 'joining') this.joinDeadline = now + this.joinPatience();
  }

  private tick(now: number): void {
    if (!this.busUp) return;
    if (this.handoff !== undefined) return this.tickHandoff(this.handoff, now);
    if (this.phase === 'joining') {
      if (now - this.lastRequestAt >= this.config.joinRetryMs) this.request('mjoin', now);
      if (now >= this.joinDeadline) this.formFirstView(now);
      return;
    }
    if (this.phase !== 'member') return;
    if (now - this.lastHeartbeatAt >= this.config.heartbeatMs) {
      this.lastHeartbeatAt = now;
      this.send({ kind: 'mesh', channel: 'hb' }, { kind: 'mhb', ...this.header() });
    }
    const view = this.view!;
    if (view.coordinator === this.self && !this.blocked && this.identity.beaconDue(now)) {
      const beacon: MeshBeaconFrame = {
        kind: 'mbeacon',
        ...this.header(),
        founder: this.identity.founder!,
        size: view.members.length,
      };
      this.send({ kind: 'mesh', channel: 'beacon' }, beacon);
    }
    for (const event of this.detector.tick(now)) {
      if (event.kind === 'ping') this.send({ kind: 'node', node: event.member }, { kind: 'mping', ...this.header() });
      else this.out.push({ kind: 'suspect', member: event.member, unreachable: true });
    }
    this.requests.expire(now);
    if (this.leaving && now - this.lastRequestAt >= this.config.joinRetryMs) this.request('mleave', now);
    // Nobody is left to hand over to, so each one just goes (otherwise the leaves end on the
    // runtime's timeout).
    if (this.leaving && this.requests.everyoneLeaves(view)) return this.finishLeave();
    // Someone older is reachable again: it coordinates, and a round of this node's is stale.
    if (this.acting() === this.self) this.coordinate(now);
    else this.round = undefined;
    this.updateBlocked(now);
  }

  /** The oldest member this node does not consider unreachable. */
  private acting(): MemberId | undefined {
    return this.view?.members.find((m) => m === this.self || !this.detector.isUnreachable(m));
  }

  private updateBlocked(now: number): void {
    const view = this.view!;
    const reachable = new Set(view.members.filter((m) => m === this.self || !this.detector.isUnreachable(m)));
    const stuck = this.round !== undefined && now - this.round.startedAt >= this.config.blockAfterMs;
    const blocked = stuck || !hasQuorum(view, reachable, NOBODY);
    if (blocked !== this.blocked) {
      this.blocked = blocked;
      this.setStatus();
    }
  }

  // ---- first view -------------------------------------------------------------------------

  private formFirstView(now: number): void {
    const fresh = this.requests.fresh(now);
    const candidates = [this.self, ...fresh].sort();
    if (candidates.length < this.config.minNodes || candidates[0] !== this.self) return;
    const members = candidates;
    this.identity.founder = this.self;
    const view: View = {
      group: MESH_GROUP,
      id: 1,
      members,
      coordinator: this.self,
      joined: members,
      left: [],
      failed: [],
    };
    if (members.length > 1) this.send({ kind: 'mesh', channel: 'ctl' }, this.commitFrame(view));
    this.install(view, now);
  }

  // ---- coordinator --------------------------------------------------------------------------

  private coordinate(now: number): void {
    const round = this.round;
    if (round !== undefined) {
      this.tryPropose(round, now);
      if (this.round === round && now - round.lastSentAt >= this.config.retryMs) this.resend(round, now);
      return;
    }
    if (now < this.backoffUntil || this.desiredView() === undefined) return;
    this.startRound(now);
  }

  /**
   * The next view this coordinator wants. Failures are removed first, in a change of their own,
   * while leavers still count (they are alive and vote until they are out); leaves come in the
   * next change. A removal of failed members must itself keep the primary-partition rule.
   */
  private desiredView(): View | undefined {
    const view = this.view!;
    const joined = this.requests.joinersOutside(view);
    const failed = view.members.filter((m) => m !== this.self && this.detector.isUnreachable(m));
    const left = failed.length > 0 ? [] : this.requests.leaversIn(view);
    if (failed.length === 0 && left.length === 0 && joined.length === 0) return undefined;
    const staying = view.members.filter((m) => !failed.includes(m) && !left.includes(m));
    if (failed.length > 0 && !hasQuorum(view, new Set(staying), NOBODY)) return undefined;
    const members = staying.concat(joined);
    if (members.length === 0) return undefined;
    return { group: MESH_GROUP, id: view.id + 1, members, coordinator: members[0]!, joined, left, failed };
  }

  private startRound(now: number): void {
    const view = this.view!;
    const ballot = this.vote.nextBallot(this.self);
    this.round = new MeshRound(view.id + 1, ballot, now);
    const prepare: MeshPrepareFrame = { kind: 'mprepare', ...this.header(), instance: view.id + 1, ballot };
    this.send({ kind: 'mesh', channel: 'ctl' }, prepare);
    this.onPrepare(prepare, now);
  }

  private resend(round: MeshRound, now: number): void {
    round.lastSentAt = now;
    const frame: MeshFrame =
      round.stage === 'prepare'
        ? { kind: 'mprepare', ...this.header(), instance: round.instance, ballot: round.ballot }
        : { kind: 'maccept', ...this.header(), instance: round.instance, ballot: round.ballot, view: round.proposal! };
    for (const m of round.unanswered(this.view!, this.self)) this.send({ kind: 'node', node: m }, frame);
  }

  private onPromise(frame: MeshPromiseFrame, now: number): void {
    const round = this.round;
    if (round?.recordPromise(frame) === true) this.tryPropose(round, now);
  }

  /**
   * Moves a round from promises to acceptance once it may: a quorum promised, and for a change
   * that only removes leavers, every member that stays promised too. Otherwise a leave could
   * commit while a staying member is dead but not yet detected, and leave a view that can never
   * change again (half of it gone, the tie-breaker among the dead); waiting lets the failure be
   * detected and removed first. Re-evaluated on every tick, since what this node wants changes.
   */
  private tryPropose(round: MeshRound, now: number): void {
    const view = this.view!;
    if (round.stage !== 'prepare' || !hasQuorum(view, new Set(round.promises.keys()), NOBODY)) return;
    // A view some node already accepted may be committed somewhere: it must win (Paxos).
    const chosen = round.chosen();
    const proposal = chosen?.view ?? this.desiredView();
    if (proposal === undefined) {
      this.round = undefined;
      return;
    }
    const leaveOnly = chosen === undefined && proposal.failed.length === 0 && proposal.left.length > 0;
    if (leaveOnly && !proposal.members.every((m) => !view.members.includes(m) || round.promises.has(m))) return;
    round.stage = 'accept';
    round.proposal = proposal;
    round.lastSentAt = now;
    const accept: MeshAcceptFrame = {
      kind: 'maccept',
      ...this.header(),
      instance: round.instance,
      ballot: round.ballot,
      view: proposal,
    };
    this.send({ kind: 'mesh', channel: 'ctl' }, accept);
    this.onAccept(accept, now);
  }

  private onAccepted(frame: MeshAcceptedFrame, now: number): void {
    const round = this.round;
    if (round?.recordAccepted(frame) !== true) return;
    if (!hasQuorum(this.view!, round.accepts, NOBODY)) return;
    const view = round.proposal!;
    this.send({ kind: 'mesh', channel: 'ctl' }, this.commitFrame(view));
    this.install(view, now, true);
  }

  private onNack(frame: MeshNackFrame, now: number): void {
    this.vote.seen(frame.ballot);
    const round = this.round;
    if (round === undefined || frame.instance !== round.instance) return;
    if (frame.viewId >= round.instance) {
      // The instance is already decided there: catch up instead of competing.
      this.round = undefined;
      return this.requestSync(frame.sender, now);
    }
    if (compareBallots(frame.ballot, round.ballot) > 0) this.yieldRound(now);
  }

  /** Another coordinator holds a higher ballot: stop competing for a while, then retry higher. */
  private yieldRound(now: number): void {
    this.round = undefined;
    this.backoffUntil = now + 3 * this.config.retryMs;
  }

  // ---- acceptor ------------------------------------------------------------------------------

  /** Checks that a ballot frame is about the next instance of this node's view; answers if not. */
  private forNextInstance(frame: MeshPrepareFrame | MeshAcceptFrame, now: number): boolean {
    const view = this.view;
    if (view === undefined || this.phase !== 'member') return false;
    if (!isMember(view, frame.sender)) {
      this.out.push({ kind: 'drop', frame, detail: `${frame.sender} is not in mesh view ${view.id}` });
      return false;
    }
    if (frame.instance <= view.id) {
      this.send(
        { kind: 'node', node: frame.sender },
        { kind: 'mnack', ...this.header(), instance: frame.instance, ballot: this.vote.promised },
      );
      return false;
    }
    if (frame.instance > view.id + 1) {
      this.requestSync(frame.sender, now);
      return false;
    }
    return true;
  }

  private refuse(frame: MeshPrepareFrame | MeshAcceptFrame): void {
    const nack: MeshNackFrame = {
      kind: 'mnack',
      ...this.header(),
      instance: frame.instance,
      ballot: this.vote.promised,
    };
    this.send({ kind: 'node', node: frame.sender }, nack);
  }

  private onPrepare(frame: MeshPrepareFrame, now: number): void {
    if (!this.forNextInstance(frame, now)) return;
    if (!this.vote.promise(frame.ballot)) return this.refuse(frame);
    if (frame.sender !== this.self && this.round !== undefined && compareBallots(frame.ballot, this.round.ballot) > 0)
      this.yieldRound(now);
    const promise: MeshPromiseFrame = {
      kind: 'mpromise',
      ...this.header(),
      instance: frame.instance,
      ballot: frame.ballot,
      accepted: this.vote.accepted,
    };
    if (frame.sender === this.self) this.onPromise(promise, now);
    else this.send({ kind: 'node', node: frame.sender }, promise);
  }

  private onAccept(frame: MeshAcceptFrame, now: number): void {
    if (!this.forNextInstance(frame, now)) return;
    this.vote.seen(frame.ballot);
    if (compareBallots(frame.ballot, this.vote.promised) < 0) return this.refuse(frame);
    if (frame.view.id !== frame.instance) {
      this.out.push({ kind: 'drop', frame, detail: `accept of view ${frame.view.id} for instance ${frame.instance}` });
      return;
    }
    this.vote.accept(frame.ballot, frame.view);
    const accepted: MeshAcceptedFrame = {
      kind: 'maccepted',
      ...this.header(),
      instance: frame.instance,
      ballot: frame.ballot,
    };
    if (frame.sender === this.self) this.onAccepted(accepted, now);
    else this.send({ kind: 'node', node: frame.sender }, accepted);
  }

  // ---- commits and catching up ------------------------------------------------------------------

  private onCommit(frame: MeshCommitFrame, now: number): void {
    const next = frame.view;
    const view = this.view;
    if (this.phase === 'joining') {
      if (!isMember(next, this.self)) return;
      this.identity.founder = frame.founder;
      return this.install(next, now);
    }
    if (view === undefined || this.phase !== 'member' || next.id <= view.id) return;
    // Only a member of this node's view speaks for its mesh: another mesh formed in the same
    // namespace (a concurrent first start that did not hear this one) has its own view ids.
    if (!isMember(view, frame.sender) && !this.identity.trusts(frame.sender)) {
      this.out.push({ kind: 'drop', frame, detail: `commit from ${frame.sender}, not in mesh view ${view.id}` });
      return;
    }
    if (next.id === view.id + 1) return this.install(next, now);
    // A gap: a view that does not list this node means it was removed; otherwise fill the gap.
    if (!isMember(next, this.self)) return this.removed();
    this.requestSync(frame.sender, now);
  }

  private requestSync(from: MemberId, now: number): void {
    if (now - this.lastSyncAt < this.config.retryMs) return;
    this.lastSyncAt = now;
    this.send({ kind: 'node', node: from }, { kind: 'msync', ...this.header() });
  }

  /** Sends the commits after the requester's view, oldest first. */
  private onSync(from: MemberId, after: number): void {
    const later = this.commits.filter((v) => v.id > after);
    for (const view of later) this.send({ kind: 'node', node: from }, this.commitFrame(view));
  }

  /** `committed`: this node committed the view (as coordinator), so it may hold the only copy. */
  private install(next: View, now: number, committed = false): void {
    const wasJoining = this.phase === 'joining';
    this.commits.push(next);
    if (this.commits.length > this.config.keptCommits) this.commits.shift();
    this.round = undefined;
    this.vote.reset();
    if (!isMember(next, this.self)) {
      // A view without this node ends its membership; it never installs it (self inclusion). A
      // leaver, or a coordinator that had to commit a chosen view without itself, hands over first.
      if (!this.leaving && !committed) return this.removed();
      this.handoff = new Handoff(next, next.members, now, this.config.retryMs, HANDOFF_RETRIES);
      return;
    }
    this.view = next;
    this.out.push({ kind: 'install', view: next });
    this.requests.installed(next);
    this.detector.watch(
      next.members.filter((m) => m !== this.self),
      now,
    );
    this.phase = 'member';
    if (wasJoining) this.setStatus();
    this.updateBlocked(now);
  }

  private tickHandoff(handoff: Handoff<View>, now: number): void {
    const resend = handoff.tick(now);
    if (resend === 'over') return this.finishLeave();
    for (const m of resend) this.send({ kind: 'node', node: m }, this.commitFrame(handoff.payload));
  }

  private onHandoffFrame(handoff: Handoff<View>, frame: MeshFrame): void {
    if (frame.kind === 'msync') return this.onSync(frame.sender, frame.viewId);
    if (frame.kind === 'mhb' && frame.viewId >= handoff.payload.id && handoff.confirm(frame.sender)) this.finishLeave();
  }

  private finishLeave(): void {
    this.handoff = undefined;
    if (!this.leaving) return this.removed();
    this.phase = 'left';
    this.setStatus();
  }

  private removed(): void {
    this.phase = 'removed';
    this.setStatus();
  }

  // ---- inbound --------------------------------------------------------------------------------

  private onFrame(frame: MeshFrame, now: number): void {
    if (this.phase === 'idle' || this.phase === 'left' || this.phase === 'removed') return;
    if (frame.sender === this.self) return;
    if (this.handoff !== undefined) return this.onHandoffFrame(this.handoff, frame);
    if (this.detector.heard(frame.sender, now))
      this.out.push({ kind: 'suspect', member: frame.sender, unreachable: false });
    switch (frame.kind) {
      case 'mhb':
        return this.onHeartbeat(frame.sender, frame.viewId, now);
      case 'mjoin':
        return this.onJoinRequest(frame.sender, now);
      case 'mleave':
        if (isMember(this.view, frame.sender)) this.requests.heardLeave(frame.sender);
        return;
      case 'mping':
        return this.send({ kind: 'node', node: frame.sender }, { kind: 'mpong', ...this.header() });
      case 'mpong':
        return;
      case 'mprepare':
        return this.onPrepare(frame, now);
      case 'mpromise':
        return this.onPromise(frame, now);
      case 'maccept':
        return this.onAccept(frame, now);
      case 'maccepted':
        return this.onAccepted(frame, now);
      case 'mnack':
        return this.onNack(frame, now);
      case 'mcommit':
        return this.onCommit(frame, now);
      case 'msync':
        return this.onSync(frame.sender, frame.viewId);
      case 'mbeacon':
        return this.onBeacon(frame, now);
      case 'mdirq':
      case 'mdira':
      case 'mdirr':
      case 'mdirc':
        return void this.out.push({ kind: 'drop', frame, detail: 'directory frames belong to the node, not the mesh' });
    }
  }

  private onBeacon(frame: MeshBeaconFrame, now: number): void {
    if (this.phase === 'joining') {
      if (this.identity.holdsBack('beacon', now)) this.meshExists(now);
      return;
    }
    const view = this.view;
    if (this.phase !== 'member' || view === undefined) return;
    const verdict = this.identity.judge(frame, view, this.blocked);
    if (verdict === 'catch-up') return this.requestSync(frame.sender, now);
    if (verdict !== 'merge') return;
    this.out.push({ kind: 'merging', into: frame.sender, size: frame.size, ownSize: view.members.length });
    this.removed();
  }

  private onHeartbeat(sender: MemberId, theirView: number, now: number): void {
    if (this.phase === 'joining') {
      if (this.identity.holdsBack('heartbeat', now)) this.meshExists(now);
      return;
    }
    if (this.view !== undefined && theirView > this.view.id && isMember(this.view, sender))
      this.requestSync(sender, now);
  }

  private onJoinRequest(joiner: MemberId, now: number): void {
    const view = this.view;
    if (view !== undefined && isMember(view, joiner)) {
      // Admitted but still asking: it missed the commit.
      if (this.acting() === this.self) this.send({ kind: 'node', node: joiner }, this.commitFrame(view));
      return;
    }
    this.requests.heardJoin(joiner, now);
  }
}
