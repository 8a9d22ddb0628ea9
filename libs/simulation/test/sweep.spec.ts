import { describe, expect, it } from '@jest/globals';
import type { ScenarioResult } from '../src/simulator.js';
import { runScenario } from '../src/simulator.js';
import type { VaryOverrides } from '../src/vary.js';
import { variedScenario } from '../src/vary.js';

// Seed sweeps over varied scenarios (3-5 nodes, 10-30 multicasts each from every node, loss
// 0-10 %, duplication 0-5 %, delays 1-50 ms, FIFO or reordering links, staggered joins of either
// kind, sometimes a pause or a partition; see variedScenario). Each seed takes ~10 ms.
const SEEDS = 500;

function sweep(count: number, overrides: VaryOverrides): { failed: ScenarioResult[]; ran: number } {
  const failed: ScenarioResult[] = [];
  for (let seed = 0; seed < count; seed++) {
    const result = runScenario(variedScenario(seed, overrides));
    if (!result.ok) failed.push(result);
  }
  return { failed, ran: count };
}

// The failure message leads with the seeds and the first report, replay command included.
function expectAllPassed({ failed, ran }: { failed: ScenarioResult[]; ran: number }): void {
  if (failed.length === 0) return;
  const seeds = failed.map((r) => r.seed).join(', ');
  throw new Error(`${failed.length} of ${ran} seeds failed: ${seeds}\n\nfirst failure:\n${failed[0]!.report}`);
}

describe(`seed sweep (${SEEDS} seeds per case)`, () => {
  it('joins, loss, duplication, reordering, pauses, partitions, concurrent multicasts: safety and liveness', () => {
    const result = sweep(SEEDS, { faults: { leaves: 0 } });
    expectAllPassed(result);
    expect(result.ran).toBe(SEEDS);
  });

  it('the same with a graceful leave late in the run: safety', () => {
    expectAllPassed(sweep(SEEDS, { faults: { leaves: 1 }, liveness: false }));
  });

  // Seeds 0..499 pass. Rarer leave bugs still open (about 1 seed in 1,500) are kept, with their
  // seeds, in known-bugs.spec.ts.
  it('the same with a graceful leave late in the run: liveness too', () => {
    expectAllPassed(sweep(SEEDS, { faults: { leaves: 1 } }));
  });

  it('reports a failing seed with its report (the checks are live in the sweep)', () => {
    // No quiet phase under heavy loss: multicasts cannot all be delivered by the end, which the
    // liveness check must catch; the message must say which seed failed and how to replay it.
    const failing = sweep(1, { faults: { leaves: 0, loss: 0.6 }, quietMs: 0 });
    expect(() => expectAllPassed(failing)).toThrow(
      /^1 of 1 seeds failed: 0\n\nfirst failure:\nseed 0 FAILED\nreplay: npx vopr --seed 0 .*--loss 0.6[^]*FAIL {2}liveness/,
    );
  });
});
