import { afterEach, describe, expect, it } from '@jest/globals';
import { FAST_OPTIONS, silentLogger, waitUntil as until } from '@cohort/nats-harness';
import { InMemoryNetwork } from '../transport/in-memory-transport.js';
import type { InMemoryTransport } from '../transport/in-memory-transport.js';
import type { CohortEvent } from './cohort-events.js';
import { CohortNode } from './cohort-node.js';
import type { Group } from './group.js';

// node.events$, node.counters() and the log lines they make, after a scripted run whose counts
// are known: joins, multicasts, a state transfer, a graceful leave and a crash.

const nodes: CohortNode[] = [];
afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.close()));
});

interface Watched {
  readonly node: CohortNode;
  readonly events: CohortEvent[];
  readonly lines: string[];
}

function start(transport: InMemoryTransport, name: string): Watched {
  const lines: string[] = [];
  const logger = { ...silentLogger, log: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) };
  const node = new CohortNode(transport, { namespace: 'obs', name, logger, ...FAST_OPTIONS });
  nodes.push(node);
  const events: CohortEvent[] = [];
  node.events$.subscribe((e) => events.push(e));
  return { node, events, lines };
}

const PER_MEMBER = 25;

describe('events and counters', () => {
  it('count what a scripted run did, and report each view change with its cause', async () => {
    const net = new InMemoryNetwork();
    const crashing = net.connect();
    const [a, b, c] = [start(net.connect(), 'a'), start(net.connect(), 'b'), start(crashing, 'c')];
    // Each member's state is its delivery log.
    const join = (w: Watched) => {
      let log: string[] = [];
      const state = { snapshot: () => log, restore: (l: string[]) => void (log = [...l]) };
      return w.node.join<string>('g', {
        ordering: 'total',
        state,
        attach: (g) => g.messages$.subscribe((d) => log.push(d.payload)),
      });
    };
    const groups: Group<string>[] = [];
    for (const w of [a, b, c]) groups.push(await join(w));
    await until(() => groups.every((g) => g.view.members.length === 3), 10_000);
    await Promise.all(groups.flatMap((g, i) => Array.from({ length: PER_MEMBER }, (_, n) => g.multicast(`${i}-${n}`))));
    await until(() => a.node.counters().groups['g']!.deliveries === 3 * PER_MEMBER, 10_000);

    // b leaves, c crashes; a stays.
    await groups[1]!.leave();
    await crashing.close();
    await until(() => groups[0]!.view.members.length === 1, 10_000);

    const counters = a.node.counters().groups['g']!;
    expect(counters).toMatchObject({ multicasts: PER_MEMBER, deliveries: 3 * PER_MEMBER });
    // a created the group: b's and c's joins, b's leave, c's failure.
    expect(counters.viewChanges).toEqual({ join: 2, leave: 1, failure: 1, partition: 0 });
    expect(counters.flushes).toBe(4);
    expect(counters.load).toEqual({ own: 0, ownBytes: 0, others: 0, queued: 0 });
    // a, the oldest, gave the state to both joiners.
    expect(counters.stateTransfers).toBe(2);
    expect(a.node.counters().meshViewChanges.failure).toBe(1);

    const views = a.events.filter((e) => e.kind === 'view').map((e) => e.kind === 'view' && [e.view.id, e.cause]);
    expect(views).toEqual([
      [1, undefined],
      [2, 'join'],
      [3, 'join'],
      [4, 'leave'],
      [5, 'failure'],
    ]);
    const restored = c.events.find((e) => e.kind === 'state-restored');
    expect(restored).toMatchObject({ group: 'g', viewId: 3, member: c.node.id });
    const meshFailure = a.events.find((e) => e.kind === 'mesh-view' && e.cause === 'failure');
    // The failure detector heard c until it crashed: the silence before its removal is known.
    expect(meshFailure?.kind === 'mesh-view' && meshFailure.silenceMs[c.node.id]).toBeGreaterThan(0);
    expect(a.events.some((e) => e.kind === 'suspect' && e.suspect === c.node.id && e.unreachable)).toBe(true);

    // One logfmt line per event, with the fields an operator filters on.
    expect(a.lines).toContainEqual(
      `group view installed group=g member=${a.node.id} cause=failure viewId=5 coordinator=${a.node.id} members=1 failed=${c.node.id}`,
    );
    expect(a.lines.some((l) => l.startsWith(`node suspected member=${a.node.id} suspect=${c.node.id}`))).toBe(true);
    // The whole state in one JSON-serializable report (what the status protocol answers).
    expect(JSON.parse(JSON.stringify(a.node.status()))).toMatchObject({
      id: a.node.id,
      name: 'a',
      namespace: 'obs',
      // b left the group, not the mesh.
      mesh: { status: 'member', view: { members: [a.node.id, b.node.id] } },
      groups: [
        {
          name: 'g',
          status: 'member',
          ordering: 'total',
          delivery: 'agreed',
          view: { id: 5 },
          counters: { deliveries: 75 },
        },
      ],
    });
    expect(c.lines.some((l) => /^state restored group=g member=\S+ viewId=3 bytes=\d+ ms=\d+$/.test(l))).toBe(true);
  });
});
