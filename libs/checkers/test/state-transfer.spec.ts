import { describe, expect, it } from '@jest/globals';
import { checkAll, stateTransfer, type AnomalyKind, type Ordering } from '../src/index.js';
import { RunBuilder } from './support/run-builder.js';

const ab = ['a', 'b'];
const abc = ['a', 'b', 'c'];
const full = ['a:1', 'b:1', 'a:2'];

// a and b deliver a:1, b:1 (sent after b delivered a:1) and a:2 in view 1; c joins in view 2.
const history = (ordering: Ordering = 'fifo', members = abc): RunBuilder =>
  new RunBuilder(members, { ordering })
    .view(1, ab)
    .multicast('a:1', ab)
    .multicast('b:1', ab)
    .multicast('a:2', ab)
    .view(2, members);

// c restores `log`, then everybody delivers a:3 in view 2.
const joined = (log: readonly string[], ordering: Ordering = 'fifo'): RunBuilder =>
  history(ordering).restore('c', log).multicast('a:3', abc);

const anomalies = (result: { anomalies: Record<AnomalyKind, string[]> }): Partial<Record<AnomalyKind, string[]>> =>
  Object.fromEntries(Object.entries(result.anomalies).filter(([, ids]) => ids.length > 0));

describe('stateTransfer', () => {
  it.each<Ordering>(['fifo', 'causal', 'total'])('passes a joiner restoring the old members’ log (%s)', (ordering) => {
    const run = joined(full, ordering);
    expect(stateTransfer(run.histories()).ok).toBe(true);
    expect(checkAll(run.histories()).ok).toBe(true);
  });

  it('passes a joiner that has delivered nothing in its first view yet', () => {
    expect(stateTransfer(history().restore('c', full).histories()).ok).toBe(true);
  });

  it('leaves joiners without a restore alone, and checkAll skips the check', () => {
    const run = history().multicast('a:3', abc);
    expect(stateTransfer(run.histories()).ok).toBe(true);
    const result = checkAll(run.histories());
    expect(result.ok).toBe(true);
    expect(result.results.map((r) => r.name)).not.toContain('stateTransfer');
  });

  it("compares later joiners with an old member's restored log plus its deliveries", () => {
    const run = joined(full)
      .view(3, [...abc, 'e'])
      .restore('e', [...full, 'a:3']);
    expect(stateTransfer(run.histories()).ok).toBe(true);
  });

  it('catches a message missing from the state', () => {
    const result = stateTransfer(joined(['a:1', 'b:1']).histories());
    expect(anomalies(result)).toEqual({ lost: ['a:2'] });
    expect(result.violations).toEqual([
      expect.objectContaining({
        member: 'c',
        viewId: 2,
        message: "c's transferred state for view 2 lacks a:2, applied by old member(s) a, b",
      }),
    ]);
  });

  it('catches messages no old member had applied: unknown, or of the joiner’s own view', () => {
    const result = stateTransfer(joined([...full, 'x:1', 'a:3']).histories());
    // c then delivers a:3 as well, so it applies a:3 twice.
    expect(anomalies(result)).toEqual({ unexpected: ['x:1', 'a:3'], duplicated: ['a:3'] });
    expect(result.violations.map((v) => v.message)).toEqual([
      'c delivered a:3 in view 2, which its state of view 2 holds',
      "c's transferred state for view 2 holds x:1, a:3, which no old member had applied",
    ]);
  });

  it('catches a message listed twice', () => {
    const result = stateTransfer(joined(['a:1', 'b:1', 'b:1', 'a:2']).histories());
    expect(anomalies(result)).toEqual({ duplicated: ['b:1'] });
  });

  it('catches a reordering under total order, and only a same-sender one under FIFO', () => {
    const crossed = ['b:1', 'a:1', 'a:2'];
    expect(anomalies(stateTransfer(joined(crossed, 'total').histories()))).toEqual({ outOfOrder: ['b:1', 'a:1'] });
    expect(stateTransfer(joined(crossed, 'fifo').histories()).ok).toBe(true);
    const result = stateTransfer(joined(['a:2', 'b:1', 'a:1'], 'fifo').histories());
    expect(anomalies(result)).toEqual({ outOfOrder: ['a:2', 'a:1'] });
    expect(result.violations[0]!.message).toBe(
      "c's transferred state for view 2 applies a:2 before a:1 (same sender); old member a applied a:1 first",
    );
  });

  it('catches a state that breaks causal order under causal ordering', () => {
    // b sent b:1 after delivering a:1; the old members' logs agree with the state per sender.
    const result = stateTransfer(joined(['b:1', 'a:1', 'a:2'], 'causal').histories());
    expect(anomalies(result)).toEqual({ outOfOrder: ['a:1'] });
    expect(result.violations[0]!.message).toContain('applies a:1 after b:1, which causally depends on it');
  });

  it('catches a restore after a delivery of the first view', () => {
    const run = history().multicast('a:3', abc).restore('c', full);
    const result = stateTransfer(run.histories());
    expect(anomalies(result)).toEqual({ outOfOrder: ['a:3'] });
    expect(result.violations[0]!.message).toBe('c delivered a:3 in view 2 before applying its transferred state');
  });

  it('catches a restore outside its view, before any install, or repeated', () => {
    const run = history().restore('c', full, 1).restore('c', full, 2).restore('c', full, 2);
    run.restore('d', full, 2);
    const messages = stateTransfer(run.histories()).violations.map((v) => v.message);
    expect(messages).toEqual([
      'c applied the state of view 1 while its installed view was 2',
      'c applied a state for view 2 twice',
      'd applied the state of view 2 before installing any view',
    ]);
  });

  it('catches a joiner delivering a message its state already holds', () => {
    const run = joined(full).deliver('c', 'a:2', { viewId: 1 });
    const result = stateTransfer(run.histories());
    expect(anomalies(result)).toEqual({ duplicated: ['a:2'] });
  });

  it('catches two joiners of one view with different states', () => {
    const run = history('fifo', [...abc, 'd'])
      .restore('c', full)
      .restore('d', ['a:1', 'b:1']);
    const result = stateTransfer(run.histories());
    expect(anomalies(result)).toEqual({ lost: ['a:2'], diverged: ['a:2'] });
    expect(result.violations.map((v) => v.member)).toEqual(['d', 'd']);
    expect(result.violations[1]!.message).toBe(
      "d's transferred state for view 2 holds different messages than the state c applied for the same view (a:2)",
    );
  });

  it('catches two joiners ordering the state differently under total order', () => {
    const run = history('total', [...abc, 'd'])
      .restore('c', full)
      .restore('d', ['b:1', 'a:1', 'a:2']);
    const result = stateTransfer(run.histories());
    expect(anomalies(result)).toEqual({ outOfOrder: ['b:1', 'a:1'], diverged: ['b:1', 'a:1'] });
  });

  it('calls a message some old members had applied and others had not diverged', () => {
    // c joined view 2 without a:2; at view 3, e's state has it, like a's and b's but unlike c's.
    const run = joined(['a:1', 'b:1'])
      .view(3, [...abc, 'e'])
      .restore('e', [...full, 'a:3']);
    const result = stateTransfer(run.histories());
    expect(anomalies(result)).toEqual({ lost: ['a:2'], diverged: ['a:2'] });
    expect(result.violations.map((v) => [v.member, v.viewId])).toEqual([
      ['c', 2],
      ['e', 3],
    ]);
  });
});

describe('stateTransfer in checkAll', () => {
  const cases: [string, RunBuilder, Partial<Record<AnomalyKind, string[]>>][] = [
    ['a missing message', joined(['a:1', 'b:1']), { lost: ['a:2'] }],
    ['an extra message', joined([...full, 'x:1']), { unexpected: ['x:1'] }],
    ['a duplicate', joined(['a:1', 'b:1', 'b:1', 'a:2']), { duplicated: ['b:1'] }],
    ['a reordering under total order', joined(['b:1', 'a:1', 'a:2'], 'total'), { outOfOrder: ['b:1', 'a:1'] }],
    ['a restore after a delivery', history().multicast('a:3', abc).restore('c', full), { outOfOrder: ['a:3'] }],
    [
      'two joiners that diverge',
      history('fifo', [...abc, 'd'])
        .restore('c', full)
        .restore('d', ['a:1', 'b:1']),
      { lost: ['a:2'], diverged: ['a:2'] },
    ],
  ];

  it.each(cases)('fails %s with the anomaly set of stateTransfer alone', (_, run, expected) => {
    const result = checkAll(run.histories());
    expect(result.results.filter((r) => !r.ok).map((r) => r.name)).toEqual(['stateTransfer']);
    expect(anomalies({ anomalies: result.summary })).toEqual(expected);
  });

  it('runs after acknowledged when a history restores a state', () => {
    const names = checkAll(joined(full).histories()).results.map((r) => r.name);
    expect(names.slice(-2)).toEqual(['acknowledged', 'stateTransfer']);
  });
});
