import type { Frame, InstallFrame, JoinRefusedFrame } from '../wire/frame.js';
import type { GroupOrdering, GroupProtocolConfig } from './config.js';
import { DEFAULT_GROUP_ORDERING } from './config.js';
import { FlushCoordinator } from './flush-coordinator.js';
import { FlushMember } from './flush-member.js';
import { FrameAdmission } from './frame-admission.js';
import { GroupHandoff } from './group-handoff.js';
import { Departures } from './departures.js';
import { checkInstall } from './install-check.js';
import { InstallRelay } from './install-relay.js';
import { MembershipRequests } from './membership-requests.js';
import { SendQueue } from './send-queue.js';
import { StateTransfer } from './state-transfer.js';
import type { Destination, DropReason, GroupInput, GroupOutput } from './messages.js';
import { ViewChannel } from './view-channel.js';
import type { Backlog } from './view-channel.js';
import type { MemberId, View } from './view.js';

type Phase = 'idle' | 'joining' | 'member' | 'left' | 'removed';
/** A view's own traffic: its channel's business, once admitted. */
type ViewTraffic = Extract<Frame, { kind: 'data' | 'nak' | 'digest' | 'order' | 'order-nak' }>;

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

  private blocked = false;
  private readonly departed = new Departures();
  private readonly requests: MembershipRequests;

  private readonly sends: SendQueue;
  private channel: ViewChannel | undefined;
  private readonly admission: FrameAdmission;

  /** This member's part in every view change, and the part of the acting coordinator. */
  private readonly flush: FlushMember;
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
    // How every role reaches the bus and the drop counters: through this step's outputs.
    const send = (to: Destination, frame: Frame): void => this.send(to, frame);
    const drop = (reason: DropReason, frame: Frame, detail: string): void => this.drop(reason, frame, detail);
    this.transfer = transfersState
      ? new StateTransfer({ group, self, chunkBytes: config.maxPayloadBytes, retryMs: config.flushRetryMs, send })
      : undefined;
    this.sends = new SendQueue({
      maxMessageBytes: config.maxMessageBytes,
      flushTimeoutMs: config.flushTimeoutMs,
      openChannel: () => this.openChannel(),
      output: (output) => this.out.push(output),
    });
    this.admission = new FrameAdmission({
      retryMs: config.flushRetryMs,
      maxFutureFrames: config.maxFutureFrames,
      view: () => this.view,
      now: () => this.lastNow,
      heardOfGroup: () => this.requests.heardOfGroup(this.lastNow),
      drop,
      requestInstall: (from, viewId, now) => this.installs.request(from, viewId, now),
    });
    this.installs = new InstallRelay({ self, group, retryMs: config.flushRetryMs, send, drop });
    this.coordinator = new FlushCoordinator({
      group,
      self,
      retryMs: config.flushRetryMs,
      departed: this.departed,
      coordinating: () => (this.isCoordinator && !this.blocked && this.handoff === undefined ? this.view : undefined),
      promised: () => this.flush.promised,
      following: () => this.flush.following,
      header: () => this.header(),
      send,
      drop,
      admit: (frame) => this.admission.admit(frame),
      propose: (frame, now) => this.flush.onPropose(frame, now),
      cut: (frame, now) => this.flush.onCut(frame, now),
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
    this.flush = new FlushMember({
      self,
      retryMs: config.flushRetryMs,
      coordinator: this.coordinator,
      view: () => this.view,
      admit: (frame) => this.admission.admit(frame),
      channel: () => this.channel!,
      awaitingState: () => this.transfer?.reportAwaiting() ?? false,
      header: () => this.header(),
      send,
      drop,
      output: (output) => this.out.push(output),
    });
    this.requests = new MembershipRequests({
      self,
      settings: { ...ordering, state: transfersState },
      retryMs: config.joinRetryMs,
      timeoutMs: config.joinTimeoutMs,
      departed: this.departed,
      coordinator: this.coordinator,
      installs: this.installs,
      memberOf: () => (this.phase === 'member' ? this.view : undefined),
      acting: () => this.acting(),
      isCoordinator: () => this.isCoordinator,
      header: () => this.header(),
      send,
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
    return this.sends.length;
  }

  /** What this member holds until stable in its current view; nothing outside one. */
  get backlog(): Backlog {
    return this.channel?.backlog() ?? { own: 0, ownBytes: 0, others: 0 };
  }

  /** Order records assigned and not yet published, or a safe-delivery digest: they wait for an `end-batch` input. */
  get batchPending(): boolean {
    return this.channel?.batchPending ?? false;
  }

  /** A safe-delivery digest is owed: an `end-batch` input `burstDigestMs` from now sends it. */
  get digestOwed(): boolean {
    return this.channel?.digestOwed ?? false;
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
        if (this.phase === 'left' || this.handoff !== undefined) this.sends.refuse(input.requestId, 'left');
        else this.sends.add(input);
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
        this.requests.meshView(input.members);
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
      case 'end-batch':
        // Digests only while the view is open to this member's traffic, as at ticks.
        this.channel?.endBatch(input.now, this.phase === 'member' && !this.blocked && this.handoff === undefined);
        break;
    }
    const batching = this.config.batchOrderRecords && (input.kind === 'frame' || input.kind === 'multicast');
    if (!batching && input.kind !== 'end-batch') this.channel?.endStep();
    return this.transfer === undefined ? this.out : this.transfer.gate(this.out);
  }

  private afterRemoval(input: GroupInput): GroupOutput[] {
    if (input.kind === 'multicast') this.sends.refuse(input.requestId, 'removed');
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
    this.requests.join(now);
  }

  private tick(now: number): void {
    if (this.blocked) return;
    if (this.phase === 'joining') {
      if (this.requests.tickJoining(now) === 'give-up') this.finishLeave();
      return;
    }
    if (this.handoff !== undefined) return this.tickHandoff(this.handoff, now);
    if (this.phase !== 'member') return;
    this.requests.tick(now);
    this.channel?.tick(now);
    this.transfer?.tick(now);
    this.sends.expire(now, this.flush.stoppedSendingAt);
    this.coordinator.tick(now);
    this.admission.tick(now);
    this.flush.tick(now);
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
    else this.out.push({ kind: 'status', status: this.flush.flushing ? 'flushing' : 'member' });
    this.sends.pump();
  }

  /** Removed from the mesh: what this member did in its views stands, but it takes no further part. */
  private onEvicted(): void {
    if (this.phase === 'idle' || this.phase === 'left') return;
    this.phase = 'removed';
    this.transfer?.reset();
    this.flush.stop();
    this.coordinator.stop();
    this.handoff = undefined;
    this.sends.refuseAll('removed');
    // Sent but not delivered here: whether the survivors deliver them is not known from here.
    for (const id of this.channel?.unacknowledgedRequests() ?? []) this.sends.refuse(id, 'removed');
    this.channel = undefined;
    if (!this.blocked) this.out.push({ kind: 'status', status: 'blocked' });
    this.blocked = true;
  }

  // ---- sending ----------------------------------------------------------------------------

  /** The channel to send on, while the view is open to this member's multicasts. */
  private openChannel(): ViewChannel | undefined {
    const channel = this.channel;
    if (this.phase !== 'member' || channel === undefined || this.flush.flushing) return undefined;
    // A joiner multicasts only once it holds the state its messages are built on.
    if (this.transfer?.awaiting === true) return undefined;
    return this.handoff !== undefined || this.blocked ? undefined : channel;
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
        return this.requests.onJoinRequest(frame, now);
      case 'join-refused':
        return this.onJoinRefused(frame);
      case 'leave':
        return this.requests.onLeaveRequest(frame.sender, now);
      case 'data':
      case 'nak':
      case 'digest':
      case 'order':
      case 'order-nak':
        return this.onTraffic(frame, now);
      case 'propose':
        return this.flush.onPropose(frame, now);
      case 'flush-ok':
        return this.coordinator.onFlushOk(frame, now);
      case 'flush-nack':
        return this.coordinator.onFlushNack(frame, now);
      case 'cut':
        return this.flush.onCut(frame, now);
      case 'cut-ok':
        return this.coordinator.onCutOk(frame, now);
      case 'install':
        return this.onInstall(frame, now);
      case 'install-req':
        return this.installs.onRequest(frame.sender, frame.viewId + 1);
      case 'install-ok':
        return this.drop('unexpected', frame, 'install-ok without a handoff');
      case 'state':
        if (this.admission.admit(frame) === undefined) return;
        if (this.transfer?.onChunk(frame, now) !== true)
          this.drop('unexpected', frame, 'state chunk of no transfer under way');
        return this.sends.pump();
      case 'state-req':
        if (this.admission.admit(frame) === undefined) return;
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

  /** What the channel delivers may complete a view change's cut; what it makes stable frees window room. */
  private onTraffic(frame: ViewTraffic, now: number): void {
    if (this.admission.admit(frame) === undefined) return;
    const channel = this.channel!;
    switch (frame.kind) {
      case 'data':
        channel.onData(frame, now);
        return this.flush.checkCut(now);
      case 'order':
        channel.onOrder(frame, now);
        return this.flush.checkCut(now);
      case 'nak':
        return channel.onNak(frame);
      case 'order-nak':
        return channel.onOrderNak(frame);
      case 'digest':
        if (channel.onDigest(frame, now)) this.sends.pump();
    }
  }

  // ---- joining and leaving ------------------------------------------------------------------

  private onLeave(now: number): void {
    if (this.phase === 'left' || this.requests.leaving) return;
    if (this.phase === 'idle') return this.finishLeave();
    this.requests.leave(now, this.phase === 'joining');
  }

  /** A coordinator of the group refused this joiner: the group orders (or transfers state) otherwise. */
  private onJoinRefused(frame: JoinRefusedFrame): void {
    if (this.phase !== 'joining' || this.view !== undefined)
      return this.drop('unexpected', frame, 'join refused while not joining');
    this.out.push({ kind: 'refused', group: frame.settings, own: { ...this.ordering, state: this.transfersState } });
    this.finishLeave();
  }

  private finishLeave(): void {
    for (const id of this.channel?.unacknowledgedRequests() ?? []) this.sends.refuse(id, 'left');
    this.channel = undefined;
    this.transfer?.reset();
    this.phase = 'left';
    this.coordinator.stop();
    this.flush.stop();
    this.handoff = undefined;
    this.sends.refuseAll('left');
    this.out.push({ kind: 'status', status: 'left' });
  }

  // ---- installing views -------------------------------------------------------------------

  private onInstall(frame: InstallFrame, now: number): void {
    const verdict = checkInstall(frame, {
      self: this.self,
      view: this.phase === 'joining' ? undefined : this.view,
      departed: this.departed,
      accepted: (ballot, viewId) => this.flush.hasAccepted(ballot, viewId),
    });
    switch (verdict.kind) {
      case 'drop':
        return this.drop(verdict.reason, frame, verdict.detail);
      case 'gap':
        this.installs.request(frame.sender, this.view!.id, this.lastNow);
        return this.drop('unexpected', frame, verdict.detail);
      case 'confirm':
        return this.installs.confirm(frame);
      case 'first':
        this.installs.remember(frame);
        this.installView(frame.view, now, frame.stateFor, true);
        return this.installs.confirm(frame);
      case 'next':
        this.installs.remember(frame);
        this.channel!.complete();
        if (verdict.leaves) {
          if (frame.sender === this.self && frame.view.members.length > 0) return this.beginHandoff(frame, now);
          return this.finishLeave();
        }
        this.installView(frame.view, now, frame.stateFor);
        this.installs.confirm(frame);
    }
  }

  private beginHandoff(install: InstallFrame, now: number): void {
    this.sends.refuseAll('left');
    this.coordinator.stop();
    this.flush.stop();
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
    this.flush.installed(view.id, now);
    this.phase = 'member';
    this.coordinator.installed(view);
    this.channel = new ViewChannel(view, this.self, this.config, this.ordering, (output) => this.out.push(output));
    this.departed.trim(view);
    this.out.push({ kind: 'install', view });
    this.out.push({ kind: 'status', status: 'member' });
    const snapshot = this.transfer?.installed(view, stateFor, joining, now);
    if (snapshot !== undefined) this.out.push(snapshot);
    for (const frame of this.admission.installed(view.id)) this.onFrame(frame, now);
    this.sends.pump();
    this.requests.installed(now);
    this.coordinator.maybeStart(now);
  }
}
