import { describe, expect, it } from '@jest/globals';
import type { CohortVariant } from '../src/cli.js';
import type { MemberResult } from '../src/messages.js';
import { median, renderTable, throughputOf } from '../src/report.js';
import type { ScenarioPlan } from '../src/scenario-plan.js';
import type { ScenarioOutcome } from '../src/scenario-runner.js';

const names = ['m1', 'm2'];
const result = (delivered: number, elapsedMs: number, note?: string): MemberResult => ({
  delivered,
  expected: 200,
  sent: 100,
  elapsedMs,
  ...(note === undefined ? {} : { note }),
});
const measured = (...results: MemberResult[]): ScenarioOutcome => ({ kind: 'measured', results });
const plan = (kind: ScenarioPlan['kind'], label: string, variant?: CohortVariant): ScenarioPlan => ({
  kind,
  label,
  ...(variant === undefined ? {} : { variant }),
  run: () => Promise.reject(new Error('not run in this test')),
});

describe('bench report', () => {
  it('computes delivered/s per member (mean of members) and multicasts/s group-wide (until the last)', () => {
    const t = throughputOf(names, [result(200, 1000), result(200, 2000)]);
    expect(t.perMember).toBeCloseTo((200 + 100) / 2);
    expect(t.groupWide).toBeCloseTo(200 / 2);
    expect(t.elapsedMs).toBe(2000);
    expect(throughputOf(names, [result(150, 1000), result(200, 1000)]).shortfalls).toEqual(['m1: 150/200 arrived']);
  });

  it('takes the median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  it('pairs each ratio with the baseline of the same round and prints unavailable orderings on one line', () => {
    const lines = renderTable(
      [
        // Round 2 of the baseline is slow (say, a busy machine): so is Cohort's; the ratio holds.
        { plan: plan('raw', 'raw NATS fan-out'), outcomes: [measured(result(200, 100)), measured(result(200, 400))] },
        {
          plan: plan('jetstream', 'JetStream (file)'),
          outcomes: [measured(result(200, 1000)), measured(result(200, 1000))],
        },
        {
          plan: plan('cohort', 'cohort fifo/agreed', { ordering: 'fifo', delivery: 'agreed' }),
          outcomes: [measured(result(200, 200)), measured(result(150, 600, 'nothing delivered for 5000 ms'))],
        },
        {
          plan: plan('cohort', 'cohort total/agreed', { ordering: 'total', delivery: 'agreed' }),
          outcomes: [{ kind: 'unavailable', reason: "'total' order is not implemented yet" }],
        },
      ],
      ['m1'],
    );
    expect(lines[0]).toMatch(/^scenario +delivered\/s per member +multicasts\/s group +vs raw NATS +vs JetStream/);
    // Raw: 2,000/s then 500/s; JetStream 200/s twice: 10 and 2.5 times as fast, median 6.25.
    expect(lines[2]).toMatch(/^raw NATS fan-out +1,250 +625 +1\.00 +6\.25 +0\.25s +120%$/);
    expect(lines[3]).toMatch(/^JetStream \(file\) +200 +100 +0\.25 +1\.00 +1\.00s +0%$/);
    // Cohort: 1,000/s then 250/s, half of raw NATS in both rounds; 5 and 1.25 times JetStream.
    expect(lines[4]).toMatch(/^cohort fifo\/agreed +625 +333 +0\.50 +3\.13 +0\.40s +120%$/);
    expect(lines.slice(5, 7)).toEqual([
      '    round 2 incomplete: m1: 150/200 arrived',
      '    round 2: m1: nothing delivered for 5000 ms',
    ]);
    expect(lines[7]).toBe("ordering total/agreed: not available ('total' order is not implemented yet)");
  });
});
