import { describe, expect, it } from '@jest/globals';
import {
  causalOrder,
  checkAll,
  type HistoryEvent,
  type MemberHistory,
  type Ordering,
  type ViewRecord,
} from '../src/index.js';

const members = ['a', 'b', 'c', 'd', 'e'];

// 5 members each delivering `count` messages in one global order, with a view change halfway.
// Each message is sent right after its sender delivered the previous one, so the run is one long
// causal chain: the worst case for the vector-clock pass, which has to interleave all histories.
// With `joiner`, a sixth member joins at the view change and restores the first half as its state.
function bigRun(count: number, ordering: Ordering, joiner?: string): MemberHistory[] {
  const view = (id: number): ViewRecord => ({
    group: 'g',
    id,
    members: id === 2 && joiner !== undefined ? [...members, joiner] : members,
    coordinator: 'a',
    joined: id === 2 && joiner !== undefined ? [joiner] : [],
    left: [],
    failed: [],
  });
  const events = members.map((): HistoryEvent[] => [{ kind: 'install', view: view(1) }]);
  const applied: string[] = [];
  let viewId = 1;
  for (let k = 0; k < count; k++) {
    if (k === count / 2) {
      viewId = 2;
      for (const list of events) list.push({ kind: 'install', view: view(2) });
      if (joiner !== undefined) {
        events.push([
          { kind: 'install', view: view(2) },
          { kind: 'restore', viewId, log: [...applied] },
        ]);
      }
    }
    const s = k % members.length;
    const sender = members[s]!;
    const msgId = `${sender}:${k}`;
    events[s]!.push({ kind: 'send', msgId, viewId });
    for (const list of events) list.push({ kind: 'deliver', msgId, sender, viewId });
    events[s]!.push({ kind: 'ack', msgId });
    applied.push(msgId);
  }
  const all = joiner === undefined ? members : [...members, joiner];
  return all.map((member, i) => ({ member, group: 'g', ordering, delivery: 'safe', events: events[i]! }));
}

// Scale, not speed: timings are measured in apps/bench, never asserted. A quadratic pass over
// these histories would not finish within Jest's timeout, which is what these tests guard.
describe('scale', () => {
  it('checks 5 members × 100,000 deliveries', () => {
    const histories = bigRun(100_000, 'total');
    const result = checkAll(histories, { liveness: true });
    const causal = causalOrder(histories);
    expect(result.ok).toBe(true);
    expect(causal.ok).toBe(true);
  }, 60_000);

  it.each<Ordering>(['total', 'causal'])(
    'checks a joiner restoring 50,000 messages (%s)',
    (ordering) => {
      const histories = bigRun(100_000, ordering, 'f');
      const result = checkAll(histories, { liveness: true });
      expect(result.results.map((r) => r.name)).toContain('stateTransfer');
      expect(result.ok).toBe(true);
    },
    60_000,
  );

  it('keeps violations bounded when every message is out of order', () => {
    const histories = bigRun(100_000, 'total');
    const last = histories.at(-1)!;
    last.events.reverse();
    const result = checkAll(histories);
    expect(result.ok).toBe(false);
    expect(result.results.every((r) => r.violations.length <= 100)).toBe(true);
  }, 60_000);
});
