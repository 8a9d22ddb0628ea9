import { describe, expect, it } from '@jest/globals';
import { SeqDeque } from './seq-deque.js';

describe('SeqDeque', () => {
  it('keeps consecutive seqs until released, oldest first, across many compactions', () => {
    const d = new SeqDeque<number>();
    const released: number[] = [];
    for (let seq = 1; seq <= 10_000; seq++) {
      d.push(seq, seq * 10);
      if (seq % 7 === 0) d.release(seq - 3, (item) => released.push(item));
    }
    // The last release, at 9996, released up to 9993.
    expect(released).toEqual(Array.from({ length: 9_993 }, (_, i) => (i + 1) * 10));
    expect(d.size).toBe(7);
    expect([9_993, 9_994, 10_000, 10_001].map((s) => d.get(s))).toEqual([undefined, 99_940, 100_000, undefined]);
  });

  it('starts at any seq when empty, and refuses a gap', () => {
    const d = new SeqDeque<string>();
    d.push(5, 'e');
    d.release(5);
    d.push(6, 'f');
    expect(d.get(6)).toBe('f');
    expect(() => d.push(8, 'h')).toThrow(RangeError);
  });
});
