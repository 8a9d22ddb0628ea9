import { describe, expect, it } from '@jest/globals';
import { runFullScenario } from '../src/node/full-simulator.js';
import { FIXED_FULL_BUGS, OPEN_FULL_BUGS } from './full-open-bugs.js';

// Bugs the full-node simulator found, F1 and F2 minimised to their fewest nodes and faults. Open
// ones assert that the seed still fails the way it did: when packages/core fixes one, its test
// fails and the bug must become a regression test here (expect the run to pass), with its seed,
// flags and one line on what the bug was, as in known-bugs.spec.ts.

describe('open full-node bugs (still failing as found)', () => {
  for (const bug of OPEN_FULL_BUGS) {
    it(`${bug.id}: ${bug.what} (npx vopr --full ${bug.flags})`, () => {
      const r = runFullScenario(bug.scenario);
      expect(r.replay).toBe(`npx vopr --full ${bug.flags}`);
      const violations = r.check.results.flatMap((c) => c.violations.map((v) => `${c.name} :: ${v.message}`));
      expect(violations.some((v) => bug.signature.test(v))).toBe(true);
    });
  }
});

describe('fixed full-node bugs (regression tests)', () => {
  for (const bug of FIXED_FULL_BUGS) {
    it(`${bug.id}: ${bug.what} (npx vopr --full ${bug.flags})`, () => {
      const r = runFullScenario(bug.scenario);
      expect(r.replay).toBe(`npx vopr --full ${bug.flags}`);
      expect(r.report).toBe('');
    });
  }
});
