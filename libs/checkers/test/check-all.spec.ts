import { describe, expect, it } from '@jest/globals';
import { checkAll, formatReport, integrity } from '../src/index.js';
import { RunBuilder } from './support/run-builder.js';

const abcd = ['a', 'b', 'c', 'd'];

// A run with a join, a crash, a leave, acks and safe total-order traffic, all correct.
function correctRun(): RunBuilder {
  const run = new RunBuilder([...abcd, 'e'], { ordering: 'total', delivery: 'safe' }).view(1, abcd);
  run.send('a', 'a:1').send('b', 'b:1');
  for (const m of abcd) run.deliver(m, 'a:1').deliver(m, 'b:1');
  run.ack('a', 'a:1').ack('b', 'b:1');
  // d crashes while c's message is in flight; the survivors deliver it in view 1 before moving on.
  run.send('c', 'c:1').crash('d');
  for (const m of ['a', 'b', 'c']) run.deliver(m, 'c:1');
  run.view(2, ['a', 'b', 'c']);
  run.view(3, ['a', 'b', 'c', 'e']).multicast('e:1', ['a', 'b', 'c', 'e']).ack('e', 'e:1');
  run
    .leave('c')
    .view(4, ['a', 'b', 'e'], { left: ['c'] })
    .multicast('b:2', ['a', 'b', 'e']);
  return run;
}

describe('checkAll', () => {
  it('passes a correct run, liveness included', () => {
    const result = checkAll(correctRun().histories(), { liveness: true });
    expect(formatReport(result)).toContain('history check: ok');
    expect(result.ok).toBe(true);
    expect(result.results.map((r) => r.name)).toEqual([
      'selfInclusion',
      'localMonotonicity',
      'viewAgreement',
      'sameViewSequence',
      'primaryPartition',
      'integrity',
      'sendingViewDelivery',
      'virtualSynchrony',
      'selfDelivery',
      'atomicity',
      'fifo',
      'total',
      'safeDelivery',
      'acknowledged',
      'liveness',
    ]);
  });

  it('collects Jepsen-style anomaly sets from a broken run', () => {
    const run = new RunBuilder(abcd, { ordering: 'total' }).view(1, abcd);
    run.send('a', 'a:1').send('b', 'b:1').send('c', 'c:1');
    run.deliver('a', 'a:1').deliver('a', 'b:1').deliver('a', 'c:1').deliver('a', 'x:1', { sender: 'a' });
    run.deliver('b', 'b:1').deliver('b', 'a:1').deliver('b', 'b:1');
    run.deliver('d', 'a:1').deliver('d', 'b:1');
    run.crash('c').view(2, ['a', 'b', 'd']);
    const result = checkAll(run.histories());
    expect(result.ok).toBe(false);
    expect(result.summary).toEqual({
      lost: [],
      unexpected: ['x:1'],
      duplicated: ['b:1'],
      outOfOrder: ['b:1', 'a:1'],
      diverged: ['c:1', 'x:1'],
    });
    const failed = result.results.filter((r) => !r.ok).map((r) => r.name);
    expect(failed).toEqual(['integrity', 'virtualSynchrony', 'atomicity', 'total']);
  });

  it('catches the classic late delivery after a view change', () => {
    const run = new RunBuilder(['p', 'q', 'r'])
      .view(1, ['p', 'q', 'r'])
      .multicast('p:1', ['p', 'q'])
      .view(2, ['p', 'q', 'r']);
    run.deliver('r', 'p:1', { viewId: 1 });
    const failed = checkAll(run.histories())
      .results.filter((r) => !r.ok)
      .map((r) => r.name);
    expect(failed).toEqual(['sendingViewDelivery', 'virtualSynchrony']);
  });

  it('skips primaryPartition on request: a group view may drop a majority the primary mesh removed', () => {
    // c, d and e crashed with their node's removal from the mesh; a and b carry the group on.
    const five = ['a', 'b', 'c', 'd', 'e'];
    const run = new RunBuilder(five).view(1, five).crash('c').crash('d').crash('e').view(2, ['a', 'b']);
    const strict = checkAll(run.histories());
    expect(strict.results.filter((r) => !r.ok).map((r) => r.name)).toEqual(['primaryPartition']);
    const tiered = checkAll(run.histories(), { primaryPartition: false });
    expect(tiered.ok).toBe(true);
    expect(tiered.results.map((r) => r.name)).not.toContain('primaryPartition');
  });

  it('keeps a bounded number of examples but the full count', () => {
    const run = new RunBuilder(['a', 'b']).view(1, ['a', 'b']).multicast('a:1', ['a', 'b']);
    for (let i = 0; i < 1000; i++) run.deliver('b', 'a:1');
    expect(integrity(run.histories()).violations).toHaveLength(100);
    const small = integrity(run.histories(), { maxViolations: 5 });
    expect(small.violations).toHaveLength(5);
    expect(small.count).toBe(1000);
    expect(small.anomalies.duplicated).toEqual(['a:1']);
  });
});

describe('formatReport', () => {
  it('prints counts, at most a few examples per failed check, and the anomaly sets', () => {
    const run = new RunBuilder(['a', 'b']).view(1, ['a', 'b']);
    for (let i = 1; i <= 15; i++) run.multicast(`a:${i}`, ['a', 'b', 'b']);
    const report = formatReport(checkAll(run.histories()), { examples: 3 });
    const lines = report.split('\n');
    expect(lines[0]).toBe('history check: FAILED (1 of 12 checks, 15 violations)');
    expect(lines).toContain('  FAIL  integrity            15 violations');
    expect(lines).toContain('        - b delivered a:1 more than once');
    expect(lines).toContain('        … and 12 more');
    expect(lines.filter((l) => l.startsWith('        - '))).toHaveLength(3);
    expect(lines.at(-1)).toBe(
      'anomalies: lost 0; unexpected 0; duplicated 15 [a:1, a:2, a:3, …]; outOfOrder 0; diverged 0',
    );
  });
});
