import type {
  CutFrame,
  CutOkFrame,
  DataFrame,
  DigestFrame,
  FlushOkFrame,
  Frame,
  InstallFrame,
  NakFrame,
  OrderFrame,
  OrderNakFrame,
  ProposeFrame,
} from '../wire/frame.js';
import { compareBallots } from './ballot.js';
import type { GroupOrdering, GroupProtocolConfig } from './config.js';
import { DEFAULT_GROUP_ORDERING } from './config.js';
import { FlushCoordinator } from './flush-coordinator.js';
import { FlushVote } from './flush-vote.js';
import type { MemberFlush } from './flush-vote.js';
import { FutureFrames } from './future-frames.js';
import { GroupHandoff } from './group-handoff.js';
import { InstallRelay } from './install-relay.js';
import { StateTransfer } from './state-transfer.js';
import type { Destination, DropReason, GroupInput, GroupOutput, RejectReason } from './messages.js';
import type { OutgoingMulticast } from './view-channel.js';
import { ViewChannel } from './view-channel.js';
import type { MemberId, View } from './view.js';
import { isMember } from './view.js';

type Phase = 'idle' | 'joining' | 'member' | 'left' | 'removed';

/**
 * One node's membership in one group, as a pure state machine: `step(input)` returns the
 * outputs (frames to send, views to install, messages to deliver, multicast acknowledgements).
 * Time enters only as `now` in the inputs; the machine never reads a clock or does I/O.
 *
 * Reliable FIFO per view (DESIGN §5.1): per-sender seqs, NAKed gaps, stability digests that
 * release the sender window, retransmission by any holder. View changes are flushes (DESIGN
 * §5.4) run by the acting coordinator, the oldest member the mesh has not removed: propose →
 * flush-ok → cut → cut-ok → install, every step under a ballot so that a member taking over from
 * a failed coordinator either finishes the proposal that may have been installed or supersedes
 * it safely (docs/design/group-membership.md). Failures come from the mesh (`departed`), group
 * creation from the root's directory (`create`).
 */
export class GroupMachine {
  private out: GroupOutput[] = [];
  private lastNow = 0;
  private phase: Phase = 'idle';
  private view: View | undefined;
  /** The latest installs, for members (or leavers) that missed one. */
  private readonly installs: InstallRelay;

  private requestDeadline = 0;
  private lastRequestAt = Number.NEGATIVE_INFINITY;
  private leaving = false;
  private blocked = false;
  /** Nodes the mesh removed; members among them are failed and get no vote. */
  private readonly departed = new Set<MemberId>();
  /** The nodes of this node's current mesh view; undefined without a mesh (tests, the group simulator). */
  private meshMembers: ReadonlySet<MemberId> | undefined;

  /**
   * Since when traffic of a later view has been buffered, and from whom: if its install does not
   * follow within a flush retry, this member missed it (nothing else may resend it: the change
   * may have ended by adopting a proposal this member had already delivered up to), so it asks.
   */
  private laterViewSeen: { since: number; from: MemberId } | undefined;

  private readonly queue: OutgoingMulticast[] = [];
  /** When this member stopped sending for the view change under way. */
  private flushStartedAt: number | undefined;
  private channel: ViewChannel | undefined;
  private readonly future: FutureFrames;

  private readonly vote = new FlushVote();
  private readonly coordinator: FlushCoordinator;
  private handoff: GroupHandoff | undefined;
  private readonly transfer: StateTransfer | undefined;

  constructor(
    readonly group: string,
    readonly self: MemberId,
    private readonly config: GroupProtocolConfig,
    readonly ordering: GroupOrdering = DEFAULT_GROUP_ORDERING,
    /** The application has state to transfer to joiners (DESIGN §5.5); every member must agree. */
    readonly transfersState = false,
  ) {
    this.transfer = transfersState
      ? new StateTransfer({
          group,
          self,
          chunkBytes: config.maxPayloadBytes,
          retryMs: config.flushRetryMs,
          send: (to, frame) => this.send(to, frame),
        })
      : undefined;
    this.future = new FutureFrames(config.maxFutureFrames);
    this.installs = new InstallRelay({
      self,
      group,
      retryMs: config.flushRetryMs,
      send: (to, frame) => this.send(to, frame),
      drop: (reason, frame, detail) => this.drop(reason, frame, detail),
    });
    this.coordinator = new FlushCoordinator({
      group,
      self,
      retryMs: config.flushRetryMs,
      departed: this.departed,
      coordinating: () => (this.isCoordinator && !this.blocked && this.handoff === undefined ? this.view : undefined),
      promised: () => this.vote.promised,
      following: () => this.vote.flush?.ballot.node,
      header: () => this.header(),
      send: (to, frame) => this.send(to, frame),
      drop: (reason, frame, detail) => this.drop(reason, frame, detail),
      admit: (frame) => this.admit(frame),
      propose: (frame, now) => this.onPropose(frame, now),
      cut: (frame, now) => this.onCut(frame, now),
      install: (frame, now) => {
        this.installs.remember(frame);
        this.onInstall(frame, now);
      },
      endAlone: () => {
        this.channel?.finishAlone(this.lastNow);
        this.finishLeave();
      },
      resendInstall: (to, viewId) => this.installs.resend(to, viewId),
    });
  }

  get currentView(): View | undefined {
    return this.view;
  }

  /** True while this member runs the group's view changes: the oldest one the mesh has not removed. */
  get isCoordinator(): boolean {
    return this.phase === 'member' && this.acting() === this.self;
  }

  get queued(): number {
    return this.queue.length;
  }

  step(input: GroupInput): GroupOutput[] {
    this.out = [];
    this.lastNow = input.now;
    if (this.phase === 'removed') return this.afterRemoval(input);
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
      case 'multicast':
        this.onMulticast(input);
        break;
      case 'leave':
        this.onLeave(input.now);
        break;
      case 'abandon':
        if (this.view === undefined && this.phase !== 'left') this.finishLeave();
        break;
      case 'create':
        if (this.phase === 'joining' && this.view === undefined && !this.blocked) this.formFirstView(input.now);
        break;
      case 'departed':
        this.onDeparted(input.members, input.now);
        break;
      case 'mesh-view':
        this.meshMembers = new Set(input.members);
        break;
      case 'blocked':
        this.onBlocked(input.blocked);
        break;
      case 'evicted':
        this.onEvicted();
        break;
      case 'state':
        this.transfer?.onSnapshot(input.viewId, input.state);
        break;
    }
    this.channel?.endStep();
    return this.transfer === undefined ? this.out : this.transfer.gate(this.out);
  }

  private afterRemoval(input: GroupInput): GroupOutput[] {
    if (input.kind === 'multicast') this.reject(input.requestId, 'removed');
    if (input.kind === 'leave') {
      this.phase = 'left';
      this.out.push({ kind: 'status', status: 'left' });
    }
    if (input.kind === 'frame') this.drop('blocked', input.frame, 'this node was removed from the mesh');
    return this.out;
  }

  private start(now: number): void {
    if (this.phase !== 'idle') return;
    this.phase = 'joining';
    this.out.push({ kind: 'status', status: 'joining' });
    this.requestDeadline = now + this.config.joinTimeoutMs;
    this.sendRequest('join', now);
  }

  private tick(now: number): void {
    if (this.blocked) return;
    if (this.phase === 'joining') {
      if (this.leaving && now >= this.requestDeadline) this.finishLeave();
      else if (now - this.lastRequestAt >= this.config.joinRetryMs) this.sendRequest('join', now);
      return;
    }
    if (this.handoff !== undefined) return this.tickHandoff(this.handoff, now);
    if (this.phase !== 'member') return;
    if (this.leaving && !this.isCoordinator && now - this.lastRequestAt >= this.config.joinRetryMs) {
      this.sendRequest('leave', now);
    }
    this.channel?.tick(now);
    this.transfer?.tick(now);
    if (this.flushStartedAt !== undefined) this.expireQueued(now);
    this.coordinator.tick(now);
    const later = this.laterViewSeen;
    if (later !== undefined && now - later.since >= this.config.flushRetryMs) {
      this.installs.request(later.from, this.view!.id, now);
    }
    const flush = this.vote.flush;
    if (flush?.cutReachedAt !== undefined && now - flush.cutReachedAt >= this.config.flushRetryMs) {
      flush.cutReachedAt = now;
      this.sendCutOk(flush, true);
    }
  }

  // ---- mesh events ------------------------------------------------------------------------------

  /** The oldest member of the view the mesh has not removed: it runs the view changes. */
  private acting(): MemberId | undefined {
    return this.view?.members.find((m) => !this.departed.has(m));
  }

  private onDeparted(members: readonly MemberId[], now: number): void {
    for (const m of members) {
      if (m === this.self) continue;
      this.departed.add(m);
      this.coordinator.forget([m]);
      // Handing a view over: a member the mesh removed will never confirm it.
      if (this.handoff?.departed(m) === true) return this.finishLeave();
    }
    if (this.phase === 'member' && !this.blocked) this.coordinator.maybeStart(now);
  }

  private onBlocked(blocked: boolean): void {
    if (blocked === this.blocked || this.phase === 'idle' || this.phase === 'left') return;
    this.blocked = blocked;
    if (blocked) return void this.out.push({ kind: 'status', status: 'blocked' });
    if (this.phase === 'joining') this.out.push({ kind: 'status', status: 'joining' });
    else this.out.push({ kind: 'status', status: this.vote.flush === undefined ? 'member' : 'flushing' });
    this.pump();
  }

  /** Removed from the mesh: what this member did in its views stands, but it takes no further part. */
  private onEvicted(): void {
    if (this.phase === 'idle' || this.phase === 'left') return;
    this.phase = 'removed';
    this.transfer?.reset();
    this.flushStartedAt = undefined;
    this.coordinator.stop();
    this.handoff = undefined;
    for (const req of this.queue.splice(0)) this.reject(req.requestId, 'removed');
    // Sent but not delivered here: whether the survivors deliver them is not known from here.
    for (const id of this.channel?.unacknowledgedRequests() ?? []) this.reject(id, 'removed');
    this.channel = undefined;
    if (!this.blocked) this.out.push({ kind: 'status', status: 'blocked' });
    this.blocked = true;
  }

  // ---- sending ----------------------------------------------------------------------------

  private onMulticast(req: Omit<OutgoingMulticast, 'queuedAt'> & { now: number }): void {
    if (this.phase === 'left' || this.handoff !== undefined) return this.reject(req.requestId, 'left');
    if (req.payload.length > this.config.maxMessageBytes) return this.reject(req.requestId, 'too-large');
    this.queue.push({ requestId: req.requestId, payload: req.payload, type: req.type, queuedAt: req.now });
    this.pump();
  }

  /** Refuses multicasts a view change has held back for longer than flushTimeoutMs (DESIGN §5.4). */
  private expireQueued(now: number): void {
    const limit = this.config.flushTimeoutMs;
    while (this.queue.length > 0 && now - this.queue[0]!.queuedAt > limit && now - this.flushStartedAt! > limit) {
      this.reject(this.queue.shift()!.requestId, 'flush-timeout');
    }
  }

  private reject(requestId: number, reason: RejectReason): void {
    this.out.push({ kind: 'rejected', requestId, reason });
  }

  /** Sends queued multicasts while the view is open and the window has room. */
  private pump(): void {
    const channel = this.channel;
    if (this.phase !== 'member' || channel === undefined || this.vote.flush !== undefined) return;
    // A joiner multicasts only once it holds the state its messages are built on.
    if (this.transfer?.awaiting === true) return;
    if (this.handoff !== undefined || this.blocked) return;
    do {
      while (this.queue.length > 0 && channel.hasRoom(this.queue[0]!.payload.length)) channel.send(this.queue.shift()!);
      // Alone in the view, own messages are stable as soon as they are sent.
    } while (this.queue.length > 0 && channel.view.members.length === 1 && channel.stabilize());
  }

  private send(to: Destination, frame: Frame): void {
    this.out.push({ kind: 'send', to, frame });
  }

  private header(): { group: string; sender: MemberId; viewId: number } {
    return { group: this.group, sender: this.self, viewId: this.view?.id ?? 0 };
  }

  // ---- receiving --------------------------------------------------------------------------

  private onFrame(frame: Frame, now: number): void {
    if (this.phase === 'idle' || this.phase === 'left') return this.drop('left', frame, `node is ${this.phase}`);
    if (this.blocked) return this.drop('blocked', frame, 'the mesh is blocked here');
    if (frame.sender === this.self) return this.drop('duplicate', frame, 'own frame echoed back');
    if (this.handoff !== undefined) return this.onHandoffFrame(this.handoff, frame);
    switch (frame.kind) {
      case 'join':
        return this.onJoinRequest(frame.sender, now);
      case 'leave':
        return this.onLeaveRequest(frame.sender, now);
      case 'data':
        return this.onData(frame, now);
      case 'nak':
        return this.onNak(frame);
      case 'digest':
        return this.onDigest(frame, now);
      case 'order':
        return this.onOrder(frame, now);
      case 'order-nak':
        return this.onOrderNak(frame);
      case 'propose':
        return this.onPropose(frame, now);
      case 'flush-ok':
        return this.coordinator.onFlushOk(frame, now);
      case 'flush-nack':
        return this.coordinator.onFlushNack(frame, now);
      case 'cut':
        return this.onCut(frame, now);
      case 'cut-ok':
        return this.coordinator.onCutOk(frame, now);
      case 'install':
        return this.onInstall(frame, now);
      case 'install-req':
        return this.installs.onRequest(frame.sender, frame.viewId + 1);
      case 'install-ok':
        return this.drop('unexpected', frame, 'install-ok without a handoff');
      case 'state':
        if (this.admit(frame) === undefined) return;
        if (this.transfer?.onChunk(frame, now) !== true)
          this.drop('unexpected', frame, 'state chunk of no transfer under way');
        return this.pump();
      case 'state-req':
        if (this.admit(frame) === undefined) return;
        if (this.transfer?.onRequest(frame) !== true)
          this.drop('unexpected', frame, `no state for view ${frame.viewId} here`);
        return;
      default:
        return this.drop('unexpected', frame, `${frame.kind} is a mesh frame, not a group frame`);
    }
  }

  private drop(reason: DropReason, frame: Frame, detail: string): void {
    this.out.push({ kind: 'drop', reason, frame, detail });
  }

  /**
   * Common admission check for frames that belong to a view: returns the current view when the
   * frame is from a member of it, buffers frames of a later view, drops the rest.
   */
  private admit(frame: Frame): View | undefined {
    const view = this.view;
    if (view === undefined) {
      if (frame.viewId > 0) {
        // Traffic of an existing group: a leave while joining keeps waiting for its admission.
        this.requestDeadline = Math.max(this.requestDeadline, this.lastNow + this.config.joinTimeoutMs);
      }
      if (frame.viewId > 0 && isViewTraffic(frame)) this.bufferFuture(frame);
      else this.drop('not-member', frame, 'no view installed yet');
      return undefined;
    }
    if (frame.viewId < view.id) return void this.drop('stale-view', frame, `view ${frame.viewId} < current ${view.id}`);
    if (frame.viewId > view.id) {
      // Data of the next view often overtakes its install (another publisher): keep it. A control
      // frame of a later view means this member missed an install (perhaps one finished by a new
      // coordinator): ask for it.
      if (isViewTraffic(frame)) {
        this.laterViewSeen ??= { since: this.lastNow, from: frame.sender };
        return void this.bufferFuture(frame);
      }
      this.drop('unexpected', frame, `control frame for view ${frame.viewId} while in view ${view.id}`);
      this.installs.request(frame.sender, view.id, this.lastNow);
      return undefined;
    }
    if (!isMember(view, frame.sender))
      return void this.drop('not-member', frame, `${frame.sender} is not in view ${view.id}`);
    return view;
  }

  private bufferFuture(frame: Frame): void {
    if (!this.future.add(frame)) this.drop('future-overflow', frame, 'future-view buffer full');
  }

  private onData(frame: DataFrame, now: number): void {
    if (this.admit(frame) === undefined) return;
    this.channel!.onData(frame, now);
    this.checkCut(now);
  }

  private onOrder(frame: OrderFrame, now: number): void {
    if (this.admit(frame) === undefined) return;
    this.channel!.onOrder(frame, now);
    this.checkCut(now);
  }

  private onOrderNak(frame: OrderNakFrame): void {
    if (this.admit(frame) === undefined) return;
    this.channel!.onOrderNak(frame);
  }

  private onNak(frame: NakFrame): void {
    if (this.admit(frame) === undefined) return;
    this.channel!.onNak(frame);
  }

  private onDigest(frame: DigestFrame, now: number): void {
    if (this.admit(frame) === undefined) return;
    if (this.channel!.onDigest(frame, now)) this.pump();
  }

  // ---- membership requests (coordinator) ---------------------------------------------------

  private sendRequest(kind: 'join' | 'leave', now: number): void {
    this.lastRequestAt = now;
    this.send({ kind: 'group', channel: 'join' }, { kind, ...this.header() });
  }

  private onJoinRequest(joiner: MemberId, now: number): void {
    if (this.phase !== 'member' || this.departed.has(joiner)) return;
    if (isMember(this.view, joiner)) {
      // It is in the view but keeps asking: it missed the install. The acting coordinator
      // answers; when the joiner itself is the oldest member left (nobody acts for it), the
      // next-oldest does.
      const acting = this.acting();
      const next = this.view!.members.find((m) => m !== joiner && !this.departed.has(m));
      if (acting === this.self || (acting === joiner && next === this.self)) this.installs.answerJoiner(joiner);
      return;
    }
    if (!this.isCoordinator) return;
    // A node this member's mesh view does not list could crash without the mesh ever reporting
    // it here (it may be a removed node that woke up, or one the mesh has not admitted yet): it
    // keeps asking, and is admitted once the mesh lists it.
    if (this.meshMembers !== undefined && !this.meshMembers.has(joiner)) return;
    this.coordinator.requestJoin(joiner, now);
  }

  private onLeaveRequest(leaver: MemberId, now: number): void {
    if (!this.isCoordinator || !isMember(this.view, leaver)) return;
    this.coordinator.requestLeave(leaver, now);
  }

  private onLeave(now: number): void {
    if (this.phase === 'left' || this.leaving) return;
    if (this.phase === 'idle') return this.finishLeave();
    this.leaving = true;
    // Leaving while joining: keep joining, since the coordinator may already have admitted this
    // node (a lost install is resent on the next join request); once installed, leave through a
    // view change. Only if nothing of the group is heard for joinTimeoutMs, give up: then nobody
    // can have admitted it.
    if (this.phase === 'joining') return;
    if (this.isCoordinator) this.coordinator.requestLeave(this.self, now);
    else this.sendRequest('leave', now);
  }

  private finishLeave(): void {
    for (const id of this.channel?.unacknowledgedRequests() ?? []) this.reject(id, 'left');
    this.channel = undefined;
    this.transfer?.reset();
    this.flushStartedAt = undefined;
    this.phase = 'left';
    this.coordinator.stop();
    this.vote.reset();
    this.handoff = undefined;
    for (const req of this.queue.splice(0)) this.reject(req.requestId, 'left');
    this.out.push({ kind: 'status', status: 'left' });
  }

  // ---- flush: member side ------------------------------------------------------------------

  private onPropose(frame: ProposeFrame, now: number): void {
    const view = frame.sender === this.self ? this.view : this.admit(frame);
    if (view === undefined) return;
    if (frame.view.id !== view.id + 1) return this.drop('stale-view', frame, `proposed view ${frame.view.id}`);
    this.coordinator.seen(frame.ballot);
    if (!this.vote.promise(frame.ballot)) return this.nack(frame.sender, frame.view.id);
    // A higher ballot: a round of this member's own can no longer collect every vote.
    this.coordinator.yieldTo(frame.ballot, frame.sender);
    if (this.vote.flush === undefined || compareBallots(this.vote.flush.ballot, frame.ballot) !== 0) {
      if (this.vote.flush === undefined) this.out.push({ kind: 'status', status: 'flushing' });
      this.flushStartedAt ??= now;
      this.vote.flush = { view: frame.view, ballot: frame.ballot, cutSet: false, cutReachedAt: undefined };
      this.channel!.hold();
    }
    const ok: FlushOkFrame = {
      kind: 'flush-ok',
      ...this.header(),
      proposedViewId: frame.view.id,
      ballot: frame.ballot,
      sent: this.channel!.sent,
      received: this.channel!.holdings(),
      ordered: this.channel!.ordered,
      awaitingState: this.transfer?.awaiting ?? false,
      accepted: this.vote.accepted,
    };
    if (frame.sender === this.self) this.coordinator.onFlushOk(ok, now);
    else this.send({ kind: 'node', node: frame.sender }, ok);
  }

  private nack(to: MemberId, proposedViewId: number): void {
    this.send(
      { kind: 'node', node: to },
      { kind: 'flush-nack', ...this.header(), proposedViewId, ballot: this.vote.promised },
    );
  }

  private onCut(frame: CutFrame, now: number): void {
    const view = frame.sender === this.self ? this.view : this.admit(frame);
    if (view === undefined) return;
    const flush = this.vote.flush;
    if (
      flush === undefined ||
      flush.view.id !== frame.proposedViewId ||
      compareBallots(flush.ballot, frame.ballot) !== 0
    ) {
      if (compareBallots(frame.ballot, this.vote.promised) < 0) return this.nack(frame.sender, frame.proposedViewId);
      return this.drop('unexpected', frame, `cut for view ${frame.proposedViewId} without its proposal`);
    }
    if (flush.cutSet) {
      if (flush.cutReachedAt !== undefined) this.sendCutOk(flush, false);
      return;
    }
    flush.cutSet = true;
    this.channel!.setCut(frame.cut, frame.ordered, frame.orderHolder, now);
    this.checkCut(now);
  }

  /** Once everything up to the cut is delivered, confirm it to the proposer. */
  private checkCut(now: number): void {
    const flush = this.vote.flush;
    if (flush === undefined || !flush.cutSet || flush.cutReachedAt !== undefined || !this.channel!.reachedCut()) return;
    flush.cutReachedAt = now;
    this.channel!.finish();
    this.vote.accept(flush);
    this.sendCutOk(flush, false);
  }

  private sendCutOk(flush: MemberFlush, retry: boolean): void {
    const frame: CutOkFrame = {
      kind: 'cut-ok',
      ...this.header(),
      proposedViewId: flush.view.id,
      ballot: flush.ballot,
    };
    const proposer = flush.ballot.node;
    if (proposer === this.self) return this.coordinator.onCutOk(frame, flush.cutReachedAt ?? 0);
    this.send({ kind: 'node', node: proposer }, frame);
    // On a retry the proposer may be gone (it left, perhaps after further view changes). Every
    // member of the proposed view remembers the install once it has it, so ask them all.
    if (!retry) return;
    for (const member of flush.view.members) {
      if (member !== this.self && member !== proposer) this.send({ kind: 'node', node: member }, frame);
    }
  }

  private onInstall(frame: InstallFrame, now: number): void {
    const next = frame.view;
    if (this.phase === 'joining') {
      if (!isMember(next, this.self)) return this.drop('not-member', frame, 'install of a view without this node');
      // Sent by a node the mesh removed, that does not know it yet (it woke up from a pause): a
      // view it made lives on nowhere but there. Keep asking; a live coordinator answers. (Removed
      // members in a view sent by a live one are fine, even its coordinator when a successor
      // finished its change: the next view change flushes them out.)
      if (this.departed.has(frame.sender)) {
        return this.drop('stale-view', frame, `install by ${frame.sender}, whom the mesh removed`);
      }
      if (frame.viewId !== next.id - 1) return this.drop('unexpected', frame, 'install frame and view ids disagree');
      this.installs.remember(frame);
      this.installView(next, now, frame.stateFor, true);
      return this.installs.confirm(frame);
    }
    const view = this.view!;
    if (next.id <= view.id) {
      // Already installed, possibly followed by later views: a leaving coordinator that resends
      // it still needs the confirmation.
      if (isMember(next, this.self)) return this.installs.confirm(frame);
      return this.drop('stale-view', frame, `view ${next.id} is not newer than ${view.id}`);
    }
    if (next.id > view.id + 1) {
      this.installs.request(frame.sender, view.id, this.lastNow);
      return this.drop('unexpected', frame, `install of view ${next.id} while in view ${view.id}`);
    }
    if (frame.sender !== this.self && !isMember(view, frame.sender) && !isMember(next, frame.sender)) {
      return this.drop('not-coordinator', frame, `${frame.sender} may not install views`);
    }
    // Installed only after this member delivered up to that very proposal's cut.
    if (!this.vote.hasAccepted(frame.ballot, next.id)) {
      return this.drop('unexpected', frame, `install of view ${next.id} before its flush completed here`);
    }
    this.installs.remember(frame);
    if (!isMember(next, this.self)) {
      if (frame.sender === this.self && next.members.length > 0) return this.beginHandoff(frame, now);
      return this.finishLeave();
    }
    this.installView(next, now, frame.stateFor);
    this.installs.confirm(frame);
  }

  private beginHandoff(install: InstallFrame, now: number): void {
    for (const req of this.queue.splice(0)) this.reject(req.requestId, 'left');
    this.coordinator.stop();
    this.vote.reset();
    this.handoff = GroupHandoff.begin(install, this.departed, now, this.config.flushRetryMs);
    if (this.handoff === undefined) this.finishLeave();
  }

  private tickHandoff(handoff: GroupHandoff, now: number): void {
    const resend = handoff.tick(now);
    if (resend === 'over') return this.finishLeave();
    for (const member of resend) this.send({ kind: 'node', node: member }, handoff.install);
  }

  private onHandoffFrame(handoff: GroupHandoff, frame: Frame): void {
    const reply = handoff.onFrame(frame);
    if (reply === 'done') return this.finishLeave();
    if (reply === 'handled') return;
    const asks = frame.kind === 'cut-ok' || frame.kind === 'install-req';
    if (asks && this.installs.resend(frame.sender, handoff.install.view.id)) return;
    this.drop('left', frame, 'leaving: handing the group over');
  }

  /** The directory made this node the group's creator: a view of one, id 1. */
  private formFirstView(now: number): void {
    this.installView(
      {
        group: this.group,
        id: 1,
        members: [this.self],
        coordinator: this.self,
        joined: [this.self],
        left: [],
        failed: [],
      },
      now,
      [],
    );
  }

  /**
   * `stateFor`: members that need the group's state in this view; `joining`: this is the first
   * view of a group that existed before this member.
   */
  private installView(view: View, now: number, stateFor: readonly MemberId[], joining = false): void {
    this.view = view;
    this.laterViewSeen = undefined;
    if (this.flushStartedAt !== undefined) {
      this.out.push({ kind: 'flushed', viewId: view.id, blockedMs: now - this.flushStartedAt });
      this.flushStartedAt = undefined;
    }
    this.phase = 'member';
    this.vote.reset();
    this.coordinator.installed(view);
    this.channel = new ViewChannel(view, this.self, this.config, this.ordering, (output) => this.out.push(output));
    for (const m of [...this.departed]) if (!view.members.includes(m)) this.departed.delete(m);
    this.out.push({ kind: 'install', view });
    this.out.push({ kind: 'status', status: 'member' });
    const snapshot = this.transfer?.installed(view, stateFor, joining, now);
    if (snapshot !== undefined) this.out.push(snapshot);
    for (const frame of this.future.takeFor(view.id)) this.onFrame(frame, now);
    this.pump();
    if (this.leaving) {
      if (this.isCoordinator) this.coordinator.requestLeave(this.self, now);
      else this.sendRequest('leave', now);
    }
    this.coordinator.maybeStart(now);
  }
}

/** Frames of a view's traffic, which often overtake its install: kept until it arrives. */
function isViewTraffic(frame: Frame): boolean {
  return frame.kind === 'data' || frame.kind === 'digest' || frame.kind === 'order';
}
