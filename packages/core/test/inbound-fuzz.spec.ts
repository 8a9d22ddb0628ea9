import { afterEach, describe, expect, it } from '@jest/globals';
import { FAST_OPTIONS, silentLogger, waitUntil as until } from '@cohort/nats-harness';
import { CohortNode, InMemoryNetwork, Subjects, subjectMatches } from '../src/index.js';
import type { Group, InMemoryTransport } from '../src/index.js';

// The inbound path under garbage: a rogue connection on the bus publishes 100,000 random and
// mutated frames on the namespace's subjects while three members multicast in a total-order
// group. Nothing of it may be delivered, crash a node or change a member's history, and every
// frame a node receives from the rogue must be counted as a drop exactly once. Seeded: a failing
// run replays with the seed it prints.

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed);
const FRAMES = Number(process.env['FUZZ_FRAMES'] ?? 100_000);
const NAMESPACE = 'test';
const GROUP = 'g';
const ROGUE = 'rogue';
const PER_MEMBER = 20;

/** mulberry32: small, seeded, good enough to pick bytes and positions. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const nodes: CohortNode[] = [];
afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.close()));
});

interface Captured {
  readonly subject: string;
  readonly data: Uint8Array;
}

/** A subject of the namespace's grammar with the rogue as its sender token. */
function rogueSubjects(subjects: Subjects, members: readonly string[]): string[] {
  return [
    ...(['data', 'order', 'ctl', 'join'] as const).map((c) => subjects.group(GROUP, c, ROGUE)),
    ...(['hb', 'join', 'ctl', 'beacon', 'dir'] as const).map((c) => subjects.mesh(c, ROGUE)),
    ...members.map((m) => subjects.node(m, ROGUE)),
  ];
}

function mutate(frame: Uint8Array, random: () => number): Uint8Array {
  const pick = random();
  if (pick < 0.3) return frame.slice(0, Math.floor(random() * frame.length));
  const out = new Uint8Array(frame.length + (pick < 0.45 ? 1 + Math.floor(random() * 16) : 0));
  out.set(frame);
  for (let i = frame.length; i < out.length; i++) out[i] = Math.floor(random() * 256);
  const flips = 1 + Math.floor(random() * 4);
  for (let i = 0; i < flips; i++) out[Math.floor(random() * out.length)] = Math.floor(random() * 256);
  return out;
}

describe('inbound fuzzing', () => {
  it(`drops and counts ${FRAMES.toLocaleString('en-US')} random and mutated frames without effect on any member (seed ${SEED})`, async () => {
    const net = new InMemoryNetwork();
    const subjects = new Subjects(NAMESPACE);
    const captured: Captured[] = [];
    const sniffer = net.connect();
    sniffer.subscribe(`cohort.${NAMESPACE}.>`, (m) => captured.push({ subject: m.subject, data: m.data }));
    const delivered = new Map<string, string[]>();
    const groups: Group<string>[] = [];
    for (const name of ['a', 'b', 'c']) {
      const node = new CohortNode(net.connect(), { namespace: NAMESPACE, name, logger: silentLogger, ...FAST_OPTIONS });
      nodes.push(node);
      const log: string[] = [];
      groups.push(
        await node.join<string>(GROUP, {
          ordering: 'total',
          attach: (g) => g.messages$.subscribe((d) => log.push(d.payload)),
        }),
      );
      delivered.set(name, log);
    }
    await until(() => groups.every((g) => g.view.members.length === 3), 10_000);
    const members = groups[0]!.view.members;
    const send = async (round: string) => {
      const sent: Promise<unknown>[] = [];
      for (const [i, g] of groups.entries()) {
        for (let n = 0; n < PER_MEMBER; n++) sent.push(g.multicast(`${round}-${i}-${n}`));
      }
      await Promise.all(sent);
    };
    await send('before');
    await net.settle();

    // Every node receives what matches its subscriptions: the mesh, its own inbox, the group.
    const listens = (node: CohortNode, subject: string) =>
      subjectMatches(subjects.meshWildcard(), subject) ||
      subjectMatches(subjects.nodeInbox(node.id), subject) ||
      subjectMatches(subjects.groupWildcard(GROUP), subject);
    const dropsBefore = nodes.map((n) => n.stats.total);
    const expectedDrops = nodes.map(() => 0);
    const random = rng(SEED);
    const targets = rogueSubjects(subjects, members);
    const rogue: InMemoryTransport = net.connect();
    for (let i = 0; i < FRAMES; i++) {
      const subject = targets[Math.floor(random() * targets.length)]!;
      let data: Uint8Array;
      const kind = random();
      if (kind < 0.2) {
        data = new Uint8Array(Math.floor(random() * 200));
        for (let j = 0; j < data.length; j++) data[j] = Math.floor(random() * 256);
      } else {
        const source = captured[Math.floor(random() * captured.length)]!.data;
        // A captured frame as it is, but from the rogue's subject: the sender field does not match.
        data = kind < 0.4 ? source : mutate(source, random);
      }
      rogue.publish(subject, data);
      for (const [k, node] of nodes.entries()) if (listens(node, subject)) expectedDrops[k]!++;
      if (i % 5000 === 4999) await net.settle();
    }
    await net.settle();
    // Only the rogue published meanwhile (the members' timers may too, but their frames are valid).
    const dropsDuring = nodes.map((n, k) => n.stats.total - dropsBefore[k]!);

    await send('after');
    const expected = [...groups.keys()].flatMap((i) =>
      ['before', 'after'].flatMap((r) => Array.from({ length: PER_MEMBER }, (_, n) => `${r}-${i}-${n}`)),
    );
    await until(() => [...delivered.values()].every((log) => log.length >= expected.length), 20_000);
    const logs = [...delivered.values()];
    for (const log of logs) {
      expect([...log].sort()).toEqual([...expected].sort());
      expect(log).toEqual(logs[0]);
    }
    for (const g of groups) expect(g.view.members).toEqual(members);
    // Each of the rogue's frames is counted once at each node that received it.
    expect(dropsDuring).toEqual(expectedDrops);
    expect(expectedDrops.every((n) => n > FRAMES / 4)).toBe(true);
  }, 60_000);
});
