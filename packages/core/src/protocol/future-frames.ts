import type { Frame } from '../wire/frame.js';

/**
 * Frames of a view this member has not installed yet (data and digests of members that installed
 * it first), replayed at install. Bounded; when full, frames of older views go first, since they
 * belong to views this member will never install.
 */
export class FutureFrames {
  private frames: Frame[] = [];

  constructor(private readonly limit: number) {}

  /** False if the frame could not be kept. */
  add(frame: Frame): boolean {
    if (this.frames.length >= this.limit) {
      const kept = this.frames.filter((f) => f.viewId >= frame.viewId);
      if (kept.length >= this.limit) return false;
      this.frames = kept;
    }
    this.frames.push(frame);
    return true;
  }

  /** Removes and returns the frames of `viewId`; drops those of older views. */
  takeFor(viewId: number): Frame[] {
    const now = this.frames.filter((f) => f.viewId === viewId);
    this.frames = this.frames.filter((f) => f.viewId > viewId);
    return now;
  }
}
