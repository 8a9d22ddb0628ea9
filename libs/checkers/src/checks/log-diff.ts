import type { HistoryIndex } from '../history-index.js';

// Per-message slots, emptied in O(1) by moving to a new generation: comparing many logs then costs
// their lengths, never the number of messages in the run.
class MessageSlots {
  private readonly values: Int32Array;
  private readonly marks: Uint32Array;
  private generation = 0;

  constructor(size: number) {
    this.values = new Int32Array(size);
    this.marks = new Uint32Array(size);
  }

  clear(): void {
    this.generation += 1;
  }

  // -1 when empty.
  get(slot: number): number {
    return this.marks[slot] === this.generation ? this.values[slot]! : -1;
  }

  set(slot: number, value: number): void {
    this.marks[slot] = this.generation;
    this.values[slot] = value;
  }
}

// 'sequence': two logs agree only in the same order (total order). 'perSender': only each sender's
// messages must keep their relative order (FIFO; causal order is a property of one log, not of a
// pair, and is checked elsewhere).
export type LogOrder = 'sequence' | 'perSender';

export interface LogDiff {
  readonly onlyInA: readonly number[];
  readonly onlyInB: readonly number[];
  // Messages of both logs whose relative order differs between them (both of each inverted pair).
  readonly outOfOrder: readonly number[];
  // The first inverted pair, for the report: `first` precedes `second` in b but follows it in a.
  readonly inversion: { readonly first: number; readonly second: number } | undefined;
}

// Compares replicated logs given as msg numbers. Logs passed to diff must be free of duplicates
// (see dedupe), so that a position is a message's only place in its log.
export class LogComparer {
  private readonly posA: MessageSlots;
  private readonly posB: MessageSlots;
  private readonly seen: MessageSlots;
  private readonly senderMax: MessageSlots;
  // Sender number of each message: the member index of a recorded send, else a number for the
  // sender its first delivery names, else -1 (known only from restored logs: no order to compare).
  private readonly senderOf: Int32Array;

  constructor(index: HistoryIndex) {
    const size = index.messages.length;
    this.posA = new MessageSlots(size);
    this.posB = new MessageSlots(size);
    this.seen = new MessageSlots(size);
    this.senderOf = new Int32Array(size).fill(-1);
    const unrecorded = new Map<string, number>();
    index.messages.forEach((message, msg) => {
      if (message.send !== undefined) {
        this.senderOf[msg] = message.send.member.idx;
      } else if (message.firstDelivery !== undefined) {
        const name = message.firstDelivery.sender;
        let s = unrecorded.get(name);
        if (s === undefined) unrecorded.set(name, (s = index.members.length + unrecorded.size));
        this.senderOf[msg] = s;
      }
    });
    this.senderMax = new MessageSlots(index.members.length + unrecorded.size);
  }

  // The log without repeats (first occurrences, in order) and the messages that were repeated.
  dedupe(log: ArrayLike<number>): { unique: Int32Array; duplicates: number[] } {
    this.seen.clear();
    const unique: number[] = [];
    const duplicates: number[] = [];
    for (let k = 0; k < log.length; k++) {
      const msg = log[k]!;
      const count = this.seen.get(msg);
      if (count < 0) unique.push(msg);
      else if (count === 1) duplicates.push(msg);
      this.seen.set(msg, count < 0 ? 1 : count + 1);
    }
    return { unique: Int32Array.from(unique), duplicates };
  }

  // Set difference both ways, and order inversions among the messages both hold. Linear.
  diff(a: Int32Array, b: Int32Array, order: LogOrder): LogDiff {
    this.posA.clear();
    this.posB.clear();
    this.senderMax.clear();
    b.forEach((msg, k) => this.posB.set(msg, k));
    const onlyInA: number[] = [];
    const outOfOrder: number[] = [];
    let inversion: LogDiff['inversion'];
    let maxPos = -1;
    a.forEach((msg, k) => {
      this.posA.set(msg, k);
      const p = this.posB.get(msg);
      if (p < 0) {
        onlyInA.push(msg);
        return;
      }
      const sender = order === 'sequence' ? -1 : this.senderOf[msg]!;
      if (order === 'perSender' && sender < 0) return;
      const before = order === 'sequence' ? maxPos : this.senderMax.get(sender);
      if (p > before) {
        if (order === 'sequence') maxPos = p;
        else this.senderMax.set(sender, p);
        return;
      }
      const laterInB = b[before]!;
      outOfOrder.push(laterInB, msg);
      inversion ??= { first: msg, second: laterInB };
    });
    const onlyInB: number[] = [];
    for (const msg of b) if (this.posA.get(msg) < 0) onlyInB.push(msg);
    return { onlyInA, onlyInB, outOfOrder, inversion };
  }
}
