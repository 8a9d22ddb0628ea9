import type { SeqRange } from '../../wire/frame.js';
import type { MemberId } from '../view.js';

/** One assignment of the total order, by member id. */
export interface Assignment {
  readonly origin: MemberId;
  readonly seq: number;
}

/**
 * The order records of one view a member holds, by global order number (1, 2, ...): what it
 * delivers by, and what it retransmits to a member that lacks some (the sequencer may have
 * failed). Records are kept until every member holds them.
 */
export class OrderLog {
  private readonly records = new Map<number, Assignment>();
  /** Every record up to here is held (or was released). */
  contiguous = 0;
  /** The highest record known to exist: seen, or reported by a digest or a cut. */
  known = 0;
  private releasedUpTo = 0;

  get(order: number): Assignment | undefined {
    return this.records.get(order);
  }

  /** Stores a record; false if it was already held. */
  add(order: number, assignment: Assignment): boolean {
    if (order <= this.releasedUpTo || this.records.has(order)) return false;
    this.records.set(order, assignment);
    this.learn(order);
    while (this.records.has(this.contiguous + 1)) this.contiguous++;
    return true;
  }

  learn(order: number): void {
    if (order > this.known) this.known = order;
  }

  /** Forgets records every member holds (and this one delivered). */
  release(upTo: number): void {
    for (let g = this.releasedUpTo + 1; g <= upTo; g++) this.records.delete(g);
    this.releasedUpTo = Math.max(this.releasedUpTo, upTo);
  }

  /** Records known to exist but not held, as ranges. */
  missing(maxRanges = 64): SeqRange[] {
    const out: SeqRange[] = [];
    let start = 0;
    for (let g = this.contiguous + 1; g <= this.known && out.length < maxRanges; g++) {
      if (!this.records.has(g)) {
        if (start === 0) start = g;
      } else if (start !== 0) {
        out.push([start, g - 1]);
        start = 0;
      }
    }
    if (start !== 0 && out.length < maxRanges) out.push([start, this.known]);
    return out;
  }

  get lagging(): boolean {
    return this.known > this.contiguous;
  }
}
