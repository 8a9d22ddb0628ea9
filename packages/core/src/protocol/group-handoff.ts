import type { Frame, InstallFrame } from '../wire/frame.js';
import { Handoff } from './handoff.js';
import type { MemberId } from './view.js';

/** Install resends a leaving coordinator attempts before it gives up and leaves. */
const HANDOFF_RETRIES = 20;

/** What a frame meant to a member handing a view over. */
export type HandoffReply = 'done' | 'handled' | 'ignored';

/**
 * A member that installed a view without itself (it leaves, or it adopted such a view) stays
 * until every member of that view has it (docs/design/group-membership.md, "Handing over"): it
 * resends the install, counts confirmations, and stops at the first sign that the group moved on.
 */
export class GroupHandoff {
  private readonly handoff: Handoff<InstallFrame>;

  private constructor(install: InstallFrame, waiting: readonly MemberId[], now: number, retryMs: number) {
    this.handoff = new Handoff(install, waiting, now, retryMs, HANDOFF_RETRIES);
  }

  /** Undefined when nobody needs it: the members the mesh already removed never confirm. */
  static begin(
    install: InstallFrame,
    departed: ReadonlySet<MemberId>,
    now: number,
    retryMs: number,
  ): GroupHandoff | undefined {
    const waiting = install.view.members.filter((m) => !departed.has(m));
    return waiting.length === 0 ? undefined : new GroupHandoff(install, waiting, now, retryMs);
  }

  get install(): InstallFrame {
    return this.handoff.payload;
  }

  /** 'over', or the members to resend the install to now (maybe none). */
  tick(now: number): 'over' | MemberId[] {
    return this.handoff.tick(now);
  }

  /** A member the mesh removed will never confirm; true once nobody is left to. */
  departed(member: MemberId): boolean {
    return this.handoff.confirm(member);
  }

  /**
   * A frame of a later view: the group moved on, which took every surviving member of the
   * handed-over view (they all installed it). A frame of that view shows its sender has it.
   */
  onFrame(frame: Frame): HandoffReply {
    const handed = this.install.view.id;
    if (frame.viewId > handed && frame.kind !== 'join') return 'done';
    if (frame.viewId !== handed) return 'ignored';
    if (this.handoff.confirm(frame.sender)) return 'done';
    return frame.kind === 'install-ok' ? 'handled' : 'ignored';
  }
}
