import { describe, expect, it } from '@jest/globals';
import type { HistoryEvent, MemberHistory } from '@cohort/checkers';
import { checkAll, formatReport } from '@cohort/checkers';
import { formatFailure } from '../src/report.js';
import { runScenario } from '../src/simulator.js';

// The histories this pipeline records must be checkable: corrupting a passing run in the ways the
// protocol could go wrong must make checkAll fail, with the right check and anomaly. Otherwise a
// green sweep would prove nothing.
const base = runScenario({ seed: 21, nodes: 4, messagesPerNode: 15, faults: { loss: 0.05, leaves: 0 } });
const clone = (): MemberHistory[] => structuredClone(base.histories);

type Deliver = Extract<HistoryEvent, { kind: 'deliver' }>;
const isPeerDeliver =
  (h: MemberHistory) =>
  (e: HistoryEvent): e is Deliver =>
    e.kind === 'deliver' && e.sender !== h.member;
const failedChecks = (histories: MemberHistory[]): string[] =>
  checkAll(histories, { quiescent: true, liveness: true })
    .results.filter((r) => !r.ok)
    .map((r) => r.name);

describe('checkers in the simulation pipeline', () => {
  it('accept the uncorrupted run', () => {
    expect(base.ok).toBe(true);
    expect(checkAll(clone(), { quiescent: true, liveness: true }).ok).toBe(true);
  });

  it('catch a lost delivery', () => {
    const histories = clone();
    const h = histories[1]!;
    const index = h.events.findIndex(isPeerDeliver(h));
    const [removed] = h.events.splice(index, 1) as [Deliver];
    const result = checkAll(histories, { quiescent: true, liveness: true });
    expect(result.ok).toBe(false);
    expect(failedChecks(histories)).toEqual(expect.arrayContaining(['liveness']));
    expect([...result.summary.lost, ...result.summary.diverged]).toContain(removed.msgId);
    expect(formatReport(result)).toContain('FAIL');
  });

  it('catch a duplicated delivery', () => {
    const histories = clone();
    const h = histories[2]!;
    const index = h.events.findIndex(isPeerDeliver(h));
    h.events.splice(index + 1, 0, { ...(h.events[index] as Deliver) });
    const result = checkAll(histories);
    expect(failedChecks(histories)).toContain('integrity');
    expect(result.summary.duplicated).toContain((h.events[index] as Deliver).msgId);
  });

  it('catch FIFO order broken', () => {
    const histories = clone();
    const h = histories[0]!;
    const events = h.events;
    // Two consecutive deliveries from the same peer, swapped.
    const i = events.findIndex((e, k) => {
      const next = events[k + 1];
      return isPeerDeliver(h)(e) && next !== undefined && isPeerDeliver(h)(next) && next.sender === e.sender;
    });
    expect(i).toBeGreaterThanOrEqual(0);
    [events[i], events[i + 1]] = [events[i + 1]!, events[i]!];
    expect(failedChecks(histories)).toContain('fifo');
    expect(checkAll(histories).summary.outOfOrder).toHaveLength(1);
  });

  it('catch a delivery in the wrong view, and a message nobody sent', () => {
    const wrongView = clone();
    const d = wrongView[3]!.events.find(isPeerDeliver(wrongView[3]!))!;
    d.viewId += 1;
    expect(failedChecks(wrongView)).toContain('sendingViewDelivery');
    const forged = clone();
    const h = forged[1]!;
    h.events.push({ kind: 'deliver', msgId: `${forged[0]!.member}:999`, sender: forged[0]!.member, viewId: 1 });
    expect(failedChecks(forged)).toContain('integrity');
  });

  it('catch members disagreeing on a view', () => {
    const histories = clone();
    const install = histories[1]!.events.find((e) => e.kind === 'install' && e.view.members.length > 1);
    if (install?.kind !== 'install') throw new Error('no multi-member view to corrupt');
    install.view = {
      ...install.view,
      members: [...install.view.members].reverse(),
      coordinator: install.view.members.at(-1)!,
    };
    expect(failedChecks(histories)).toContain('viewAgreement');
  });

  it('and the failure report names the seed and the replay command', () => {
    const histories = clone();
    histories[2]!.events.push({ kind: 'deliver', msgId: 'ghost:1', sender: histories[0]!.member, viewId: 1 });
    const report = formatFailure({ ...base, check: checkAll(histories) });
    expect(report).toMatch(/^seed 21 FAILED\nreplay: npx vopr --seed 21 /);
    expect(report).toContain('FAIL  integrity');
  });
});
