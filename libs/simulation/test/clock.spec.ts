import { describe, expect, it } from '@jest/globals';
import { SimClock } from '../src/clock.js';

describe('SimClock', () => {
  it('fires events by time, then by scheduling order', () => {
    const clock = new SimClock();
    const fired: string[] = [];
    clock.at(20, 'x', () => fired.push('c@20'));
    clock.at(10, 'x', () => fired.push('a@10'));
    clock.at(10, 'x', () => fired.push('b@10'));
    clock.at(5, 'x', () => {
      fired.push('first@5');
      clock.after(5, 'x', () => fired.push('d@10, scheduled last'));
    });
    clock.runUntil(100);
    expect(fired).toEqual(['first@5', 'a@10', 'b@10', 'd@10, scheduled last', 'c@20']);
    expect(clock.now).toBe(100);
    expect(clock.events).toBe(5);
  });

  it('never schedules into the past and stops at the horizon', () => {
    const clock = new SimClock();
    const times: number[] = [];
    clock.at(50, 'x', () => clock.at(10, 'x', () => times.push(clock.now)));
    clock.at(200, 'x', () => times.push(clock.now));
    clock.runUntil(100);
    expect(times).toEqual([50]);
    expect(clock.pending).toBe(1);
  });

  it('keeps order across many interleaved events (heap property)', () => {
    const clock = new SimClock();
    const fired: Array<[number, number]> = [];
    for (let i = 0; i < 1000; i++) {
      const at = (i * 7919) % 97;
      clock.at(at, 'x', () => fired.push([at, i]));
    }
    clock.runUntil(1000);
    const sorted = [...fired].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    expect(fired).toEqual(sorted);
  });

  it('can stop early', () => {
    const clock = new SimClock();
    let n = 0;
    for (let i = 1; i <= 10; i++) clock.at(i, 'x', () => (n += 1));
    expect(clock.runUntil(100, () => n === 3)).toBe(false);
    expect(clock.now).toBe(3);
  });
});
