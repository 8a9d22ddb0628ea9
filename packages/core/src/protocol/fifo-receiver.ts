import type { DataFrame, SeqRange } from '../wire/frame.js';
import { SeqDeque } from './seq-deque.js';

export type AcceptResult = 'in-order' | 'buffered' | 'duplicate' | 'outside-window';

/**
 * Receive side of one origin's FIFO stream within one view: delivers in seq order, buffers what
 * arrives early, and knows which seqs are missing so that they can be NAKed. A gap is never
 * skipped: delivery of origin's stream stops at the first missing seq until it is filled.
 */
export class FifoReceiver {
  /** Highest seq delivered; the stream is contiguous up to here. */
  delivered = 0;
  /** Highest seq known to exist (seen, reported by a digest, or required by a cut). */
  highestKnown = 0;
  /** When missing seqs were last NAKed; -Infinity if never. */
  lastNakAt = Number.NEGATIVE_INFINITY;
  private readonly early = new Map<number, DataFrame>();
  /** Delivered but not yet stable (releasedUpTo+1 .. delivered): kept so that this member can retransmit them if the origin fails. */
  private readonly retained = new SeqDeque<DataFrame>();
  private releasedUpTo = 0;

  constructor(private readonly window: number) {}

  get bufferedCount(): number {
    return this.early.size;
  }

  /** Delivered and kept until stable, for retransmission. */
  get retainedCount(): number {
    return this.retained.size;
  }

  accept(frame: DataFrame): AcceptResult {
    const { seq } = frame;
    if (seq <= this.delivered || this.early.has(seq)) return 'duplicate';
    if (seq > this.delivered + this.window) return 'outside-window';
    this.learn(seq);
    if (seq === this.delivered + 1) {
      this.early.set(seq, frame);
      return 'in-order';
    }
    this.early.set(seq, frame);
    return 'buffered';
  }

  /** Removes and returns the frames that are now deliverable, in order. */
  drain(limit = Number.POSITIVE_INFINITY): DataFrame[] {
    const out: DataFrame[] = [];
    let next = this.early.get(this.delivered + 1);
    while (next !== undefined && this.delivered < limit) {
      this.early.delete(next.seq);
      this.retained.push(next.seq, next);
      this.delivered = next.seq;
      out.push(next);
      next = this.early.get(this.delivered + 1);
    }
    return out;
  }

  /** A held copy of `seq` (delivered or early), for a retransmission on another member's NAK. */
  get(seq: number): DataFrame | undefined {
    return this.retained.get(seq) ?? this.early.get(seq);
  }

  /** Forgets delivered frames every member holds. */
  release(stable: number): void {
    const upTo = Math.min(stable, this.delivered);
    this.retained.release(upTo);
    this.releasedUpTo = Math.max(this.releasedUpTo, upTo);
  }

  learn(seq: number): void {
    if (seq > this.highestKnown) this.highestKnown = seq;
  }

  /** Missing seqs between what was delivered and what is known to exist, as ranges. */
  missing(maxRanges = 64): SeqRange[] {
    const out: SeqRange[] = [];
    let start = 0;
    for (let s = this.delivered + 1; s <= this.highestKnown && out.length < maxRanges; s++) {
      if (!this.early.has(s)) {
        if (start === 0) start = s;
      } else if (start !== 0) {
        out.push([start, s - 1]);
        start = 0;
      }
    }
    if (start !== 0 && out.length < maxRanges) out.push([start, this.highestKnown]);
    return out;
  }

  /** True when there is a gap: something known to exist is not delivered yet. */
  get lagging(): boolean {
    return this.highestKnown > this.delivered;
  }
}
