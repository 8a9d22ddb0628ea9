import type {
  CutFrame,
  CutOkFrame,
  DataFrame,
  DigestFrame,
  FlushOkFrame,
  Frame,
  InstallFrame,
  InstallOkFrame,
  NakFrame,
  ProposeFrame,
} from '../wire/frame.js';
import type { GroupProtocolConfig } from './config.js';
import { FlushRound } from './flush-round.js';
import { FutureFrames } from './future-frames.js';
import { Handoff } from './handoff.js';
import { InstallArchive } from './install-archive.js';
import type { Destination, DropReason, GroupInput, GroupOutput, RejectReason } from './messages.js';
import type { OutgoingMulticast } from './view-channel.js';
import { ViewChannel } from './view-channel.js';
import type { MemberId, View } from './view.js';
import { isMember } from './view.js';

type Phase = 'idle' | 'joining' | 'member' | 'left';

/** Install resends a leaving coordinator attempts before it gives up and leaves. */
const HANDOFF_RETRIES = 20;

/** Member side of a flush: sending stopped for `view`; `cut` once the coordinator sent it. */
interface MemberFlush {
  readonly view: View;
  cut: Map<MemberId, number> | undefined;
  cutReachedAt: number | undefined;
}

/**
 * One node's membership in one group, as a pure state machine: `step(input)` returns the
 * outputs (frames to send, views to install, messages to deliver, multicast acknowledgements).
 * Time enters only as `now` in the inputs; the machine never reads a clock or does I/O.
 *
 * Reliable FIFO per view (DESIGN §5.1): per-sender seqs, NAKed gaps, stability digests that
 * release the sender window. View changes are coordinator-driven flushes (DESIGN §5.4):
 * propose → flush-ok (what each member sent and holds) → cut → cut-ok (delivered up to the
 * cut) → install, so that members of a view deliver the same set of messages in it.
 * Membership here is the simple form of the walking skeleton: the oldest member coordinates
 * joins and leaves; failure detection and the hierarchical service come with the membership
 * issue and drive `propose` through the same flush.
 */
export class GroupMachine {
  private out: GroupOutput[] = [];
  private lastNow = 0;
  private phase: Phase = 'idle';
  private view: View | undefined;
  /** The latest installs, to resend to members (or leavers) that missed one. */
  private readonly installs = new InstallArchive();

  private requestDeadline = 0;
  private lastRequestAt = Number.NEGATIVE_INFINITY;
  private leaving = false;

  private readonly queue: OutgoingMulticast[] = [];
  private channel: ViewChannel | undefined;
  private readonly future: FutureFrames;

  private flush: MemberFlush | undefined;
  private round: FlushRound | undefined;
  private handoff: Handoff<InstallFrame> | undefined;
  private readonly joinRequests = new Set<MemberId>();
  private readonly leaveRequests = new Set<MemberId>();

  constructor(
    readonly group: string,
    readonly self: MemberId,
    private readonly config: GroupProtocolConfig,
  ) {
    this.future = new FutureFrames(config.maxFutureFrames);
  }

  get currentView(): View | undefined {
    return this.view;
  }

  get isCoordinator(): boolean {
    return this.phase === 'member' && this.view?.coordinator === this.self;
  }

  get queued(): number {
    return this.queue.length;
  }

  step(input: GroupInput): GroupOutput[] {
    this.out = [];
    this.lastNow = input.now;
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
    }
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
    if (this.phase === 'joining') {
      if (now >= this.requestDeadline) {
        if (this.leaving) this.finishLeave();
        else this.formSingleton(now);
      } else if (now - this.lastRequestAt >= this.config.joinRetryMs) {
        this.sendRequest('join', now);
      }
      return;
    }
    if (this.handoff !== undefined) return this.tickHandoff(this.handoff, now);
    if (this.phase !== 'member') return;
    if (this.leaving && !this.isCoordinator && now - this.lastRequestAt >= this.config.joinRetryMs) {
      this.sendRequest('leave', now);
    }
    this.channel?.tick(now);
    if (this.round !== undefined && now - this.round.lastSentAt >= this.config.flushRetryMs) this.resendRound(now);
    const flush = this.flush;
    if (flush?.cutReachedAt !== undefined && now - flush.cutReachedAt >= this.config.flushRetryMs) {
      flush.cutReachedAt = now;
      this.sendCutOk(flush, true);
    }
  }

  // ---- sending ----------------------------------------------------------------------------

  private onMulticast(req: OutgoingMulticast): void {
    if (this.phase === 'left' || this.handoff !== undefined) return this.reject(req.requestId, 'left');
    if (req.payload.length > this.config.maxPayloadBytes) return this.reject(req.requestId, 'too-large');
    this.queue.push({ requestId: req.requestId, payload: req.payload, type: req.type });
    this.pump();
  }

  private reject(requestId: number, reason: RejectReason): void {
    this.out.push({ kind: 'rejected', requestId, reason });
  }

  /** Sends queued multicasts while the view is open and the window has room. */
  private pump(): void {
    const channel = this.channel;
    if (this.phase !== 'member' || channel === undefined || this.flush !== undefined || this.handoff !== undefined) {
      return;
    }
    do {
      while (this.queue.length > 0 && channel.hasRoom(this.queue[0]!.payload.length)) channel.send(this.queue.shift()!);
      // Alone in the view, own messages are stable as soon as they are sent.
    } while (this.queue.length > 0 && channel.view.members.length === 1 && channel.stabilize());
  }

  private send(to: Destination, frame: Frame): void {
    this.out.push({ kind: 'send', to, frame });
  }

  // ---- receiving --------------------------------------------------------------------------

  private onFrame(frame: Frame, now: number): void {
    if (this.phase === 'idle' || this.phase === 'left') return this.drop('left', frame, `node is ${this.phase}`);
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
      case 'propose':
        return this.onPropose(frame, now);
      case 'flush-ok':
        return this.onFlushOk(frame, now);
      case 'cut':
        return this.onCut(frame, now);
      case 'cut-ok':
        return this.onCutOk(frame, now);
      case 'install':
        return this.onInstall(frame, now);
      case 'install-ok':
        return this.drop('unexpected', frame, 'install-ok without a handoff');
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
        // Traffic of an existing group: keep waiting for the coordinator instead of forming a
        // view of one beside it.
        this.requestDeadline = Math.max(this.requestDeadline, this.lastNow + this.config.joinTimeoutMs);
      }
      if (frame.viewId > 0 && (frame.kind === 'data' || frame.kind === 'digest')) this.bufferFuture(frame);
      else this.drop('not-member', frame, 'no view installed yet');
      return undefined;
    }
    if (frame.viewId < view.id) return void this.drop('stale-view', frame, `view ${frame.viewId} < current ${view.id}`);
    if (frame.viewId > view.id) {
      if (frame.kind === 'data' || frame.kind === 'digest') this.bufferFuture(frame);
      else this.drop('unexpected', frame, `control frame for view ${frame.viewId} while in view ${view.id}`);
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
    this.send(
      { kind: 'group', channel: 'join' },
      { kind, group: this.group, sender: this.self, viewId: this.view?.id ?? 0 },
    );
  }

  private onJoinRequest(joiner: MemberId, now: number): void {
    if (!this.isCoordinator) return;
    if (isMember(this.view, joiner)) {
      // It is in the view but keeps asking: it missed the install.
      const last = this.installs.latest();
      if (last !== undefined && isMember(last.view, joiner)) {
        this.send({ kind: 'node', node: joiner }, last);
      }
      return;
    }
    this.joinRequests.add(joiner);
    this.maybeStartRound(now);
  }

  private onLeaveRequest(leaver: MemberId, now: number): void {
    if (!this.isCoordinator || !isMember(this.view, leaver)) return;
    this.leaveRequests.add(leaver);
    this.maybeStartRound(now);
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
    if (this.isCoordinator) {
      this.leaveRequests.add(this.self);
      this.maybeStartRound(now);
    } else {
      this.sendRequest('leave', now);
    }
  }

  private finishLeave(): void {
    this.phase = 'left';
    this.round = undefined;
    this.flush = undefined;
    this.handoff = undefined;
    for (const req of this.queue.splice(0)) this.reject(req.requestId, 'left');
    this.out.push({ kind: 'status', status: 'left' });
  }

  // ---- flush: coordinator side ---------------------------------------------------------------

  private maybeStartRound(now: number): void {
    const view = this.view;
    if (!this.isCoordinator || view === undefined || this.round !== undefined || this.flush !== undefined) return;
    const leavers = view.members.filter((m) => this.leaveRequests.has(m));
    const joiners = [...this.joinRequests].filter((m) => !view.members.includes(m));
    this.joinRequests.clear();
    this.leaveRequests.clear();
    if (leavers.length === 0 && joiners.length === 0) return;
    const members = view.members.filter((m) => !leavers.includes(m)).concat(joiners);
    if (members.length === 0) return this.finishLeave();
    const proposed: View = {
      group: this.group,
      id: view.id + 1,
      members,
      coordinator: members[0]!,
      joined: joiners,
      left: leavers,
      failed: [],
    };
    this.round = new FlushRound(view, proposed, now);
    const frame: ProposeFrame = {
      kind: 'propose',
      group: this.group,
      sender: this.self,
      viewId: view.id,
      view: proposed,
    };
    this.send({ kind: 'group', channel: 'ctl' }, frame);
    this.onPropose(frame, now);
  }

  private resendRound(now: number): void {
    const round = this.round!;
    round.lastSentAt = now;
    const view = this.view!;
    const frame: Frame =
      round.stage === 'collect'
        ? { kind: 'propose', group: this.group, sender: this.self, viewId: view.id, view: round.proposed }
        : {
            kind: 'cut',
            group: this.group,
            sender: this.self,
            viewId: view.id,
            proposedViewId: round.proposed.id,
            cut: round.cut,
          };
    for (const member of round.waitingFor()) this.send({ kind: 'node', node: member }, frame);
  }

  private onFlushOk(frame: FlushOkFrame, now: number): void {
    if (frame.sender !== this.self && this.admit(frame) === undefined) return;
    const round = this.round;
    if (round === undefined || round.proposed.id !== frame.proposedViewId) {
      return this.drop('unexpected', frame, `no flush round for view ${frame.proposedViewId}`);
    }
    if (!round.recordFlushOk(frame)) return;
    const cut: CutFrame = {
      kind: 'cut',
      group: this.group,
      sender: this.self,
      viewId: round.view.id,
      proposedViewId: round.proposed.id,
      cut: round.cut,
    };
    round.lastSentAt = now;
    this.send({ kind: 'group', channel: 'ctl' }, cut);
    this.onCut(cut, now);
  }

  private onCutOk(frame: CutOkFrame, now: number): void {
    const round = this.round;
    if (round === undefined || round.proposed.id !== frame.proposedViewId) {
      // A member that missed the install keeps confirming the cut: send it the install again.
      if (this.resendInstall(frame)) return;
      return this.drop('unexpected', frame, `no flush round for view ${frame.proposedViewId}`);
    }
    if (frame.sender !== this.self && this.admit(frame) === undefined) return;
    if (!round.recordCutOk(frame.sender)) return;
    const install: InstallFrame = {
      kind: 'install',
      group: this.group,
      sender: this.self,
      viewId: round.view.id,
      view: round.proposed,
    };
    this.round = undefined;
    this.installs.remember(install);
    this.send({ kind: 'group', channel: 'ctl' }, install);
    this.onInstall(install, now);
  }

  // ---- flush: member side ------------------------------------------------------------------

  private onPropose(frame: ProposeFrame, now: number): void {
    const view = frame.sender === this.self ? this.view : this.admit(frame);
    if (view === undefined) return;
    if (frame.sender !== view.coordinator)
      return this.drop('not-coordinator', frame, `${frame.sender} is not the coordinator`);
    if (frame.view.id <= view.id) return this.drop('stale-view', frame, `proposed view ${frame.view.id} is not newer`);
    if (this.flush === undefined || this.flush.view.id !== frame.view.id) {
      this.flush = { view: frame.view, cut: undefined, cutReachedAt: undefined };
      this.out.push({ kind: 'status', status: 'flushing' });
    }
    const ok: FlushOkFrame = {
      kind: 'flush-ok',
      group: this.group,
      sender: this.self,
      viewId: view.id,
      proposedViewId: frame.view.id,
      sent: this.channel!.sent,
      received: this.channel!.holdings(),
    };
    if (view.coordinator === this.self) this.onFlushOk(ok, now);
    else this.send({ kind: 'node', node: view.coordinator }, ok);
  }

  private onCut(frame: CutFrame, now: number): void {
    const view = frame.sender === this.self ? this.view : this.admit(frame);
    if (view === undefined) return;
    if (frame.sender !== view.coordinator)
      return this.drop('not-coordinator', frame, `${frame.sender} is not the coordinator`);
    const flush = this.flush;
    if (flush === undefined || flush.view.id !== frame.proposedViewId) {
      return this.drop('unexpected', frame, `cut for view ${frame.proposedViewId} without its proposal`);
    }
    if (flush.cut !== undefined) {
      if (flush.cutReachedAt !== undefined) this.sendCutOk(flush, false);
      return;
    }
    flush.cut = new Map(frame.cut.map((e) => [e.member, e.seq]));
    this.channel!.setCut(flush.cut, now);
    this.checkCut(now);
  }

  /** Once everything up to the cut is delivered, confirm it to the coordinator. */
  private checkCut(now: number): void {
    const flush = this.flush;
    if (flush?.cut === undefined || flush.cutReachedAt !== undefined || !this.channel!.reachedCut()) return;
    flush.cutReachedAt = now;
    this.sendCutOk(flush, false);
  }

  private sendCutOk(flush: MemberFlush, retry: boolean): void {
    const view = this.view!;
    const frame: CutOkFrame = {
      kind: 'cut-ok',
      group: this.group,
      sender: this.self,
      viewId: view.id,
      proposedViewId: flush.view.id,
    };
    if (view.coordinator === this.self) {
      this.onCutOk(frame, flush.cutReachedAt ?? 0);
      return;
    }
    this.send({ kind: 'node', node: view.coordinator }, frame);
    // On a retry the coordinator may be gone (it left, perhaps after further view changes). Every
    // member of the proposed view remembers the install once it has it, so ask them all.
    if (!retry) return;
    for (const member of flush.view.members) {
      if (member !== this.self && member !== view.coordinator) this.send({ kind: 'node', node: member }, frame);
    }
  }

  private onInstall(frame: InstallFrame, now: number): void {
    const next = frame.view;
    if (this.phase === 'joining') {
      if (!isMember(next, this.self)) return this.drop('not-member', frame, 'install of a view without this node');
      if (frame.viewId !== next.id - 1) return this.drop('unexpected', frame, 'install frame and view ids disagree');
      this.installs.remember(frame);
      this.installView(next, now);
      return this.confirmInstall(frame);
    }
    const view = this.view!;
    if (next.id <= view.id) {
      // Already installed, possibly followed by later views: a leaving coordinator that resends
      // it still needs the confirmation.
      if (isMember(next, this.self)) return this.confirmInstall(frame);
      return this.drop('stale-view', frame, `view ${next.id} is not newer than ${view.id}`);
    }
    if (frame.sender !== this.self && frame.sender !== view.coordinator && !isMember(next, frame.sender)) {
      return this.drop('not-coordinator', frame, `${frame.sender} may not install views`);
    }
    const flush = this.flush;
    if (flush === undefined || flush.view.id !== next.id || flush.cutReachedAt === undefined) {
      return this.drop('unexpected', frame, `install of view ${next.id} before its flush completed here`);
    }
    this.installs.remember(frame);
    if (!isMember(next, this.self)) {
      if (frame.sender === this.self && next.members.length > 0) return this.beginHandoff(frame, now);
      return this.finishLeave();
    }
    this.installView(next, now);
    this.confirmInstall(frame);
  }

  /** Answers a cut-ok for a remembered install to a member (or leaver) that took part in it. */
  private resendInstall(frame: CutOkFrame): boolean {
    const install = this.installs.forParticipant(frame.proposedViewId, frame.sender);
    if (install !== undefined) this.send({ kind: 'node', node: frame.sender }, install);
    return install !== undefined;
  }

  /** Tells a leaving coordinator that its install arrived (and again, if it resends it). */
  private confirmInstall(frame: InstallFrame): void {
    if (frame.sender === this.self || isMember(frame.view, frame.sender)) return;
    const ok: InstallOkFrame = { kind: 'install-ok', group: this.group, sender: this.self, viewId: frame.view.id };
    this.send({ kind: 'node', node: frame.sender }, ok);
  }

  private beginHandoff(install: InstallFrame, now: number): void {
    for (const req of this.queue.splice(0)) this.reject(req.requestId, 'left');
    this.round = undefined;
    this.flush = undefined;
    this.handoff = new Handoff(install, install.view.members, now, this.config.flushRetryMs, HANDOFF_RETRIES);
  }

  private tickHandoff(handoff: Handoff<InstallFrame>, now: number): void {
    const resend = handoff.tick(now);
    if (resend === 'over') return this.finishLeave();
    for (const member of resend) this.send({ kind: 'node', node: member }, handoff.payload);
  }

  private onHandoffFrame(handoff: Handoff<InstallFrame>, frame: Frame): void {
    if (frame.kind === 'install-ok' && frame.viewId === handoff.payload.view.id) {
      if (handoff.confirm(frame.sender)) this.finishLeave();
      return;
    }
    if (frame.kind === 'cut-ok' && this.resendInstall(frame)) return;
    this.drop('left', frame, 'leaving: handing the group over');
  }

  private formSingleton(now: number): void {
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
    );
  }

  private installView(view: View, now: number): void {
    this.view = view;
    this.phase = 'member';
    this.flush = undefined;
    this.round = undefined;
    this.channel = new ViewChannel(view, this.self, this.config, (output) => this.out.push(output));
    for (const m of view.members) this.joinRequests.delete(m);
    this.out.push({ kind: 'install', view });
    this.out.push({ kind: 'status', status: 'member' });
    for (const frame of this.future.takeFor(view.id)) this.onFrame(frame, now);
    this.pump();
    if (this.leaving) {
      if (this.isCoordinator) this.leaveRequests.add(this.self);
      else this.sendRequest('leave', now);
    }
    this.maybeStartRound(now);
  }
}
