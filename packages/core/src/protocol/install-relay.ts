import type { Frame, InstallFrame, InstallOkFrame } from '../wire/frame.js';
import { InstallArchive } from './install-archive.js';
import type { Destination, DropReason } from './messages.js';
import type { MemberId } from './view.js';
import { isMember } from './view.js';

/** How the relay reaches the bus. */
export interface RelayPort {
  readonly self: MemberId;
  readonly group: string;
  /** The least time between two install requests of this member. */
  readonly retryMs: number;
  send(to: Destination, frame: Frame): void;
  drop(reason: DropReason, frame: Frame, detail: string): void;
}

/**
 * A member's part in getting installs to those that missed one: it keeps the latest installs,
 * resends one to a member (or leaver) of that change that asks (join request, repeated cut-ok,
 * install request), asks for one itself when it sees a later view, and confirms an install to a
 * leaving coordinator that waits for it. A resent install names this member as its publisher,
 * as every frame must (the transport drops any other).
 */
export class InstallRelay {
  private readonly archive = new InstallArchive();
  private lastRequestAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly port: RelayPort) {}

  remember(install: InstallFrame): void {
    this.archive.remember(install);
  }

  /** A member of the latest installed view keeps asking to join: it missed that install. */
  answerJoiner(joiner: MemberId): void {
    const last = this.archive.latest();
    if (last !== undefined && isMember(last.view, joiner))
      this.port.send({ kind: 'node', node: joiner }, this.relayed(last));
  }

  /** Resends the install of `viewId` to a member (or leaver) that took part in that change. */
  resend(to: MemberId, viewId: number): boolean {
    const install = this.archive.forParticipant(viewId, to);
    if (install !== undefined) this.port.send({ kind: 'node', node: to }, this.relayed(install));
    return install !== undefined;
  }

  onRequest(from: MemberId, viewId: number): void {
    if (this.resend(from, viewId)) return;
    const frame: Frame = { kind: 'install-req', group: this.port.group, sender: from, viewId: viewId - 1 };
    this.port.drop('unexpected', frame, `no install of view ${viewId} for ${from}`);
  }

  /** Asks a member of a later view for the install this member missed; rate-limited. */
  request(from: MemberId, viewId: number, now: number): void {
    if (now - this.lastRequestAt < this.port.retryMs) return;
    this.lastRequestAt = now;
    this.port.send(
      { kind: 'node', node: from },
      { kind: 'install-req', group: this.port.group, sender: this.port.self, viewId },
    );
  }

  /** Tells a leaving coordinator that its install arrived (and again, if it resends it). */
  confirm(frame: InstallFrame): void {
    if (frame.sender === this.port.self || isMember(frame.view, frame.sender)) return;
    const ok: InstallOkFrame = {
      kind: 'install-ok',
      group: this.port.group,
      sender: this.port.self,
      viewId: frame.view.id,
    };
    this.port.send({ kind: 'node', node: frame.sender }, ok);
  }

  private relayed(install: InstallFrame): InstallFrame {
    return install.sender === this.port.self ? install : { ...install, sender: this.port.self };
  }
}
