/** Compact the array once this many released slots lead it, and they are most of it. */
const COMPACT_AFTER = 1024;

/**
 * Items of consecutive seqs, appended at the back and released from the front: the frames a
 * sender or receiver keeps until they are stable. An array with a moving head instead of a Map:
 * no hashing, no rehashing as the window slides, one slot per frame.
 */
export class SeqDeque<T> {
  private items: Array<T | undefined> = [];
  private head = 0;
  /** The seq of the item at `head`. */
  private first = 1;

  get size(): number {
    return this.items.length - this.head;
  }

  /** Appends the item of `seq`, which must follow the last one (any seq when empty). */
  push(seq: number, item: T): void {
    if (this.size === 0) this.first = seq;
    else if (seq !== this.first + this.size)
      throw new RangeError(`seq ${seq} does not follow ${this.first + this.size - 1}`);
    this.items.push(item);
  }

  get(seq: number): T | undefined {
    const at = seq - this.first;
    return at >= 0 && at < this.size ? this.items[this.head + at] : undefined;
  }

  /** Releases the items up to `seq`, oldest first, handing each to `each`. */
  release(seq: number, each?: (item: T) => void): void {
    const items = this.items;
    while (this.first <= seq && this.head < items.length) {
      const item = items[this.head]!;
      items[this.head++] = undefined;
      this.first++;
      each?.(item);
    }
    if (this.head === items.length) {
      items.length = 0;
      this.head = 0;
    } else if (this.head > COMPACT_AFTER && this.head * 2 > items.length) {
      items.splice(0, this.head);
      this.head = 0;
    }
  }
}
