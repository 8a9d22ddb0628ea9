import { describe, expect, it } from '@jest/globals';
import { Rng } from '../src/rng.js';

const draw = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.nextU32());

describe('Rng', () => {
  it('is a pure function of its seed', () => {
    expect(draw(new Rng(42), 50)).toEqual(draw(new Rng(42), 50));
    expect(draw(new Rng(42), 50)).not.toEqual(draw(new Rng(43), 50));
  });

  it('keeps the high half of seeds beyond 32 bits', () => {
    expect(draw(new Rng(2 ** 32 + 1), 5)).not.toEqual(draw(new Rng(1), 5));
  });

  it('stays in range', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 10_000; i++) {
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
      const k = rng.int(5);
      expect(Number.isInteger(k) && k >= 0 && k < 5).toBe(true);
      const r = rng.range(3, 6);
      expect(r >= 3 && r <= 6).toBe(true);
    }
  });

  it('is roughly uniform', () => {
    const rng = new Rng(1);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[rng.int(4)]! += 1;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it('draws for chance() whatever the probability, so later draws do not shift', () => {
    const a = new Rng(9);
    const b = new Rng(9);
    a.chance(0);
    b.chance(1);
    expect(a.nextU32()).toBe(b.nextU32());
  });

  it('forks independent, reproducible streams', () => {
    const root1 = new Rng(5);
    const root2 = new Rng(5);
    const [f1, g1] = [root1.fork(), root1.fork()];
    const [f2, g2] = [root2.fork(), root2.fork()];
    expect(draw(f1, 10)).toEqual(draw(f2, 10));
    expect(draw(g1, 10)).toEqual(draw(g2, 10));
    expect(draw(new Rng(5).fork(), 10)).not.toEqual(draw(g2, 10));
  });

  it('picks and shuffles without losing items', () => {
    const rng = new Rng(3);
    expect(['a', 'b', 'c']).toContain(rng.pick(['a', 'b', 'c']));
    expect(rng.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(() => rng.pick([])).toThrow(RangeError);
  });
});
