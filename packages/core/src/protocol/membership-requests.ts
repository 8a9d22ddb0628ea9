import type { Frame, GroupSettings, JoinFrame, JoinRefusedFrame } from '../wire/frame.js';
import type { FlushCoordinator } from './flush-coordinator.js';
import type { InstallRelay } from './install-relay.js';
import type { Destination } from './messages.js';
import type { MemberId, View } from './view.js';
import { isMember } from './view.js';

/** What join and leave requests need from their group machine. */
export interface RequestsPort {
  readonly self: MemberId;
  /** This member's ordering, delivery and state settings, sent with its join requests. */
  readonly settings: GroupSettings;
  /** Resend this member's own request this often until it is answered. */
  readonly retryMs: number;
  /** How long a leave while joining waits for a sign of the group before it gives up. */
  readonly timeoutMs: number;
  /** Nodes the mesh removed. */
  readonly departed: ReadonlySet<MemberId>;
  readonly coordinator: Pick<FlushCoordinator, 'requestJoin' | 'requestLeave'>;
  readonly installs: Pick<InstallRelay, 'answerJoiner'>;
  /** The installed view while this node is a member of the group (not joining, not gone). */
  memberOf(): View | undefined;
  /** The oldest member of the view the mesh has not removed: it runs the view changes. */
  acting(): MemberId | undefined;
  /** This member is a member and the acting one. */
  isCoordinator(): boolean;
  header(): { group: string; sender: MemberId; viewId: number };
  send(to: Destination, frame: Frame): void;
}

/**
 * Join and leave requests, on the group's join channel (docs/design/group-membership.md). This
 * member's own are resent until a view change answers them: a join by the install that admits
 * it, a leave by the install without it (the acting coordinator asks its own coordinator role
 * instead). Those of others are passed to the coordinator role while this member acts; a member
 * of the view that keeps asking to join missed its install, and gets it again.
 */
export class MembershipRequests {
  private leaveAsked = false;
  private deadline = 0;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  /** The nodes of this node's current mesh view; undefined without a mesh (tests, the group simulator). */
  private meshMembers: ReadonlySet<MemberId> | undefined;

  constructor(private readonly port: RequestsPort) {}

  /** The application asked to leave the group. */
  get leaving(): boolean {
    return this.leaveAsked;
  }

  meshView(members: readonly MemberId[]): void {
    this.meshMembers = new Set(members);
  }

  /** Starts asking to join. */
  join(now: number): void {
    this.deadline = now + this.port.timeoutMs;
    this.send('join', now);
  }

  /**
   * Traffic of an existing group reached this node before its first view: a leave while joining
   * keeps waiting for its admission.
   */
  heardOfGroup(now: number): void {
    this.deadline = Math.max(this.deadline, now + this.port.timeoutMs);
  }

  /** While joining: asks again, or gives up a leave once nothing of the group was heard for the timeout. */
  tickJoining(now: number): 'give-up' | undefined {
    if (this.leaveAsked && now >= this.deadline) return 'give-up';
    if (now - this.lastSentAt >= this.port.retryMs) this.send('join', now);
    return undefined;
  }

  /** As a member: a leave not answered yet is asked again. */
  tick(now: number): void {
    if (this.leaveAsked && !this.port.isCoordinator() && now - this.lastSentAt >= this.port.retryMs) {
      this.send('leave', now);
    }
  }

  /**
   * The application asks to leave. Leaving while joining: keep joining, since the coordinator
   * may already have admitted this node (a lost install is resent on the next join request);
   * once installed, leave through a view change. Only if nothing of the group is heard for
   * joinTimeoutMs, give up: then nobody can have admitted it.
   */
  leave(now: number, joining: boolean): void {
    this.leaveAsked = true;
    if (!joining) this.askToLeave(now);
  }

  /** A view was installed here: a leaving member asks again, of the new view's coordinator. */
  installed(now: number): void {
    if (this.leaveAsked) this.askToLeave(now);
  }

  onJoinRequest(request: JoinFrame, now: number): void {
    const joiner = request.sender;
    const view = this.port.memberOf();
    if (view === undefined || this.port.departed.has(joiner)) return;
    if (!sameSettings(request.settings, this.port.settings)) {
      // Admitted, it would silently break the group's order (or wait for state nobody sends).
      if (!this.port.isCoordinator()) return;
      const refusal: JoinRefusedFrame = { kind: 'join-refused', ...this.port.header(), settings: this.port.settings };
      return this.port.send({ kind: 'node', node: joiner }, refusal);
    }
    if (isMember(view, joiner)) {
      // It is in the view but keeps asking: it missed the install. The acting coordinator
      // answers; when the joiner itself is the oldest member left (nobody acts for it), the
      // next-oldest does.
      const acting = this.port.acting();
      const next = view.members.find((m) => m !== joiner && !this.port.departed.has(m));
      const self = this.port.self;
      if (acting === self || (acting === joiner && next === self)) this.port.installs.answerJoiner(joiner);
      return;
    }
    if (!this.port.isCoordinator()) return;
    // A node this member's mesh view does not list could crash without the mesh ever reporting
    // it here (it may be a removed node that woke up, or one the mesh has not admitted yet): it
    // keeps asking, and is admitted once the mesh lists it.
    if (this.meshMembers !== undefined && !this.meshMembers.has(joiner)) return;
    this.port.coordinator.requestJoin(joiner, now);
  }

  onLeaveRequest(leaver: MemberId, now: number): void {
    if (!this.port.isCoordinator() || !isMember(this.port.memberOf(), leaver)) return;
    this.port.coordinator.requestLeave(leaver, now);
  }

  private askToLeave(now: number): void {
    if (this.port.isCoordinator()) this.port.coordinator.requestLeave(this.port.self, now);
    else this.send('leave', now);
  }

  private send(kind: 'join' | 'leave', now: number): void {
    this.lastSentAt = now;
    const frame: Frame =
      kind === 'join' ? { kind, ...this.port.header(), settings: this.port.settings } : { kind, ...this.port.header() };
    this.port.send({ kind: 'group', channel: 'join' }, frame);
  }
}

function sameSettings(a: GroupSettings, b: GroupSettings): boolean {
  return a.ordering === b.ordering && a.delivery === b.delivery && a.state === b.state;
}
