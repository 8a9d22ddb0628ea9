import type { StateChunkFrame } from '../wire/frame.js';
import type { MemberId } from './view.js';

/**
 * A joiner's side of one state transfer: gathers the chunks of the provider's snapshot for
 * `viewId`, asks for the first one it lacks, and yields the whole state once every chunk is here.
 */
export class StateReceiver {
  private readonly chunks = new Map<number, Uint8Array>();
  private count: number | undefined;
  /** The first chunk not held. */
  next = 0;
  lastProgressAt: number;

  constructor(
    readonly viewId: number,
    readonly provider: MemberId,
    now: number,
  ) {
    this.lastProgressAt = now;
  }

  /** Stores a chunk; returns true if it advanced the transfer (the caller then acknowledges). */
  onChunk(frame: StateChunkFrame, now: number): boolean {
    if (this.count !== undefined && frame.count !== this.count) return false;
    if (frame.index < this.next || this.chunks.has(frame.index)) return false;
    this.count = frame.count;
    this.chunks.set(frame.index, frame.bytes);
    const before = this.next;
    while (this.chunks.has(this.next)) this.next++;
    if (this.next === before) return false;
    this.lastProgressAt = now;
    return true;
  }

  get complete(): boolean {
    return this.count !== undefined && this.next === this.count;
  }

  /** The whole state, once complete. */
  assemble(): Uint8Array {
    const parts = Array.from({ length: this.count! }, (_, i) => this.chunks.get(i)!);
    const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      whole.set(p, at);
      at += p.length;
    }
    return whole;
  }
}
