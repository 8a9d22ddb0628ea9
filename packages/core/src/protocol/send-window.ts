import type { DataFrame } from '../wire/frame.js';
import { SeqDeque } from './seq-deque.js';

/**
 * Sender side of one view: own messages kept until stable (held by every member), so that any
 * NAK can be answered. The window bounds them in count and bytes; a full window makes the
 * caller queue, which is the backpressure `multicast()` exposes.
 */
export class SendWindow {
  private readonly unstable = new SeqDeque<DataFrame>();
  private bytes = 0;
  /** Highest seq known to be held by every member. */
  stable = 0;

  constructor(
    private readonly maxMessages: number,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.unstable.size;
  }

  get unstableBytes(): number {
    return this.bytes;
  }

  /** Room for a message of `size` bytes in `frames` frames? A lone message always fits, whatever its size. */
  hasRoom(size: number, frames = 1): boolean {
    if (this.unstable.size === 0) return true;
    return this.unstable.size + frames <= this.maxMessages && this.bytes + size <= this.maxBytes;
  }

  add(frame: DataFrame): void {
    this.unstable.push(frame.seq, frame);
    this.bytes += frame.payload.length;
  }

  get(seq: number): DataFrame | undefined {
    return this.unstable.get(seq);
  }

  /** Releases everything up to `seq`; returns true if the window gained room. */
  release(seq: number): boolean {
    if (seq <= this.stable) return false;
    this.unstable.release(seq, (frame) => (this.bytes -= frame.payload.length));
    this.stable = seq;
    return true;
  }
}
