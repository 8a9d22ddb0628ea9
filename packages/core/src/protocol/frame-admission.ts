import type { Frame } from '../wire/frame.js';
import { FutureFrames } from './future-frames.js';
import type { DropReason } from './messages.js';
import type { MemberId, View } from './view.js';
import { isMember } from './view.js';

/** What admission needs from its group machine. */
export interface AdmissionPort {
  /** How long later-view traffic may go without its install before this member asks for it. */
  readonly retryMs: number;
  /** Frames kept for a view not installed yet. */
  readonly maxFutureFrames: number;
  /** The installed view, if any. */
  view(): View | undefined;
  /** The time of the step under way (admission is asked from handlers that have none). */
  now(): number;
  /** Traffic of an existing group reached this node before its first view. */
  heardOfGroup(): void;
  drop(reason: DropReason, frame: Frame, detail: string): void;
  /** Asks `from` for the install that follows view `viewId` (the relay rate-limits it). */
  requestInstall(from: MemberId, viewId: number, now: number): void;
}

/**
 * Which frames of a group's views reach this member's handlers: those of the installed view from
 * its members. Traffic of a later view is kept until that view is installed here; a control
 * frame of a later view, or such traffic without its install for a flush retry, means this
 * member missed an install, and it asks for it.
 */
export class FrameAdmission {
  private readonly future: FutureFrames;
  /**
   * Since when traffic of a later view has been heard, and its latest sender: if the install does
   * not follow within a flush retry, this member missed it (nothing else may resend it: the change
   * may have ended by adopting a proposal this member had already delivered up to), so it asks
   * the latest sender (the first may have failed since: simulator seed 2277).
   */
  private laterViewSeen: { since: number; from: MemberId } | undefined;

  constructor(private readonly port: AdmissionPort) {
    this.future = new FutureFrames(port.maxFutureFrames);
  }

  /**
   * Common admission check for frames that belong to a view: returns the current view when the
   * frame is from a member of it, buffers frames of a later view, drops the rest.
   */
  admit(frame: Frame): View | undefined {
    const view = this.port.view();
    if (view === undefined) {
      // Traffic of an existing group: a leave while joining keeps waiting for its admission.
      if (frame.viewId > 0) this.port.heardOfGroup();
      if (frame.viewId > 0 && isViewTraffic(frame)) this.buffer(frame);
      else this.port.drop('not-member', frame, 'no view installed yet');
      return undefined;
    }
    if (frame.viewId < view.id) {
      return void this.port.drop('stale-view', frame, `view ${frame.viewId} < current ${view.id}`);
    }
    if (frame.viewId > view.id) {
      // Data of the next view often overtakes its install (another publisher): keep it. A control
      // frame of a later view means this member missed an install (perhaps one finished by a new
      // coordinator): ask for it.
      this.laterViewSeen = { since: this.laterViewSeen?.since ?? this.port.now(), from: frame.sender };
      if (isViewTraffic(frame)) return void this.buffer(frame);
      this.port.drop('unexpected', frame, `control frame for view ${frame.viewId} while in view ${view.id}`);
      this.port.requestInstall(frame.sender, view.id, this.port.now());
      return undefined;
    }
    if (!isMember(view, frame.sender)) {
      return void this.port.drop('not-member', frame, `${frame.sender} is not in view ${view.id}`);
    }
    return view;
  }

  /** Later-view traffic kept a flush retry without its install: ask its sender for the install. */
  tick(now: number): void {
    const later = this.laterViewSeen;
    if (later !== undefined && now - later.since >= this.port.retryMs) {
      this.port.requestInstall(later.from, this.port.view()!.id, now);
    }
  }

  /** `viewId` was installed: returns the frames kept for it, to be handled now; older ones are dropped. */
  installed(viewId: number): Frame[] {
    this.laterViewSeen = undefined;
    return this.future.takeFor(viewId);
  }

  private buffer(frame: Frame): void {
    if (!this.future.add(frame)) this.port.drop('future-overflow', frame, 'future-view buffer full');
  }
}

/** Frames of a view's traffic, which often overtake its install: kept until it arrives. */
function isViewTraffic(frame: Frame): boolean {
  return frame.kind === 'data' || frame.kind === 'digest' || frame.kind === 'order';
}
