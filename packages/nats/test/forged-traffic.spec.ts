import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { connect as natsConnect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  FAST_OPTIONS,
  freePorts,
  startNatsServer,
  stopAllNatsServers,
  waitForRoutes,
  waitUntil as until,
} from '@cohort/nats-harness';
import type { NatsServerProcess } from '@cohort/nats-harness';
import { Subjects, decodeBundle, decodeFrame, encodeFrame, isBundle } from '@cohort/core';
import type { DataFrame, Frame } from '@cohort/core';
import { connect } from '../src/index.js';
import type { Group, NatsCohortNode } from '../src/index.js';

// A rogue NATS client on the namespace's subjects, with no credentials to stop it: it records the
// members' traffic, then publishes replays, forgeries and garbage. Each must be dropped and counted
// by every member that receives it (and logged: warnings for what no healthy peer sends), with no
// effect on any member's deliveries or views. What it can still do, publish a well-formed frame as
// a member with the next seq, is what per-user publish permissions stop (auth.spec.ts).
//
// Two routed servers: the members' has the default 1 MB max_payload, the rogue's 4 MB, so that an
// oversized frame reaches the members' decoders instead of being refused by their server.

const NAMESPACE = 'forged';
const GROUP = 'g';
const PER_ROUND = 10;
// Slower failure detection than FAST_OPTIONS: four nodes and two servers on a loaded 2-core machine.
const OPTIONS = { ...FAST_OPTIONS, heartbeatMs: 50, suspectAfterMs: 400, verifyTimeoutMs: 200, joinTimeoutMs: 500 };
/** Drops that also happen in healthy operation (retransmissions, late frames). */
const ROUTINE = new Set(['duplicate', 'stale-view']);

interface Member {
  readonly name: string;
  readonly node: NatsCohortNode;
  readonly group: Group<string>;
  readonly delivered: string[];
  readonly warnings: string[];
  readonly debug: string[];
}

interface Captured {
  readonly subject: string;
  readonly frame: Frame;
  readonly bytes: Uint8Array;
}

const members: Member[] = [];
const connections: NatsConnection[] = [];

afterEach(async () => {
  await Promise.allSettled(members.splice(0).map((m) => m.node.close()));
  await Promise.allSettled(connections.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await stopAllNatsServers();
});

async function routedServers(): Promise<{ home: NatsServerProcess; rogue: NatsServerProcess }> {
  const ports = await freePorts(2);
  const routes = ports.map((p) => `nats://127.0.0.1:${p}`);
  const cluster = (port: number) => ({ name: 'forged', port, routes });
  const [home, rogue] = await Promise.all([
    startNatsServer({ name: 'forged-home', cluster: cluster(ports[0]!) }),
    startNatsServer({ name: 'forged-rogue', cluster: cluster(ports[1]!), config: 'max_payload: 4194304\n' }),
  ]);
  await waitForRoutes([home, rogue], 1);
  return { home, rogue };
}

async function member(name: string, url: string): Promise<Member> {
  const warnings: string[] = [];
  const debug: string[] = [];
  const logger = {
    log: () => {},
    error: (m: string) => warnings.push(m),
    warn: (m: string) => warnings.push(m),
    debug: (m: string) => debug.push(m),
  };
  const node = await connect({ servers: url, namespace: NAMESPACE, name, logger, ...OPTIONS });
  const delivered: string[] = [];
  const group = await node.join<string>(GROUP, {
    ordering: 'total',
    attach: (g) => g.messages$.subscribe((d) => delivered.push(d.payload)),
  });
  const m = { name, node, group, delivered, warnings, debug };
  members.push(m);
  return m;
}

async function round(tag: string): Promise<string[]> {
  const sent = members.flatMap((m) => Array.from({ length: PER_ROUND }, (_, n) => `${tag}-${m.name}-${n}`));
  await Promise.all(
    members.map((m) => Promise.all(sent.filter((p) => p.includes(`-${m.name}-`)).map((p) => m.group.multicast(p)))),
  );
  return sent;
}

/** Every frame the rogue heard on the group's data subjects, bundles unpacked. */
function dataFrames(captured: readonly { subject: string; data: Uint8Array }[]): Captured[] {
  const out: Captured[] = [];
  for (const { subject, data } of captured) {
    const pieces = isBundle(data) ? decodeBundle(data, 1024 * 1024).frames : [data];
    for (const bytes of pieces) {
      const frame = decodeFrame(bytes, 1024 * 1024);
      if (frame.kind === 'data') out.push({ subject, frame, bytes: bytes.slice() });
    }
  }
  return out;
}

function withKindByte(bytes: Uint8Array, index: number, value: number): Uint8Array {
  const out = bytes.slice();
  out[index] = value;
  return out;
}

describe('forged and stale traffic from a rogue NATS client', () => {
  it('is dropped, counted and logged by every member, and changes no delivery and no view', async () => {
    const { home, rogue: rogueServer } = await routedServers();
    const subjects = new Subjects(NAMESPACE);
    const rogue = await natsConnect({ servers: rogueServer.url });
    connections.push(rogue);
    const heard: { subject: string; data: Uint8Array }[] = [];
    rogue.subscribe(subjects.groupWildcard(GROUP), {
      callback: (_, m) => void heard.push({ subject: m.subject, data: m.data }),
    });
    await rogue.flush();

    const a = await member('a', home.url);
    await member('b', home.url);
    await member('c', home.url);
    await until(() => members.every((m) => m.group.view.members.length === 3), 10_000);
    const first = await round('one');
    const view1 = a.group.view.id;
    // A fourth member: a view change, after which the frames of view1 are stale.
    await member('d', home.url);
    await until(() => members.every((m) => m.group.view.members.length === 4), 10_000);
    // d joined after the first round: it delivers from the second on.
    const expected = await round('two');
    const expectedAt = (m: Member) => (m.name === 'd' ? expected : [...first, ...expected]);
    await until(() => members.every((m) => m.delivered.length === expectedAt(m).length), 10_000);
    const view2 = a.group.view.id;
    expect(view2).toBeGreaterThan(view1);

    const fromA = dataFrames(heard).filter((c) => c.frame.sender === a.node.id && !(c.frame as DataFrame).retransmit);
    const stale = fromA.find((c) => c.frame.viewId === view1)!;
    const current = fromA.filter((c) => c.frame.viewId === view2).at(-1)!;
    expect(stale).toBeDefined();
    expect(current).toBeDefined();
    const onA = subjects.group(GROUP, 'data', 'a');
    const onB = subjects.group(GROUP, 'data', 'b');
    const forgedPayload = encodeFrame({
      ...(current.frame as DataFrame),
      payload: new TextEncoder().encode(JSON.stringify('forged')),
    });
    const oversized = new Uint8Array(1536 * 1024);
    oversized.set(current.bytes);

    const before = members.map((m) => m.node.stats.snapshot());
    // [subject, bytes, the reason every member counts it under ('own' for a's own frames)]
    const attacks: [string, Uint8Array, string, string?][] = [
      [onA, current.bytes, 'duplicate'],
      [onA, forgedPayload, 'duplicate'],
      [onA, stale.bytes, 'stale-view', 'duplicate'],
      [onB, current.bytes, 'sender-mismatch'],
      [onA, current.bytes.subarray(0, Math.floor(current.bytes.length / 2)), 'malformed:truncated'],
      [onA, oversized, 'malformed:oversized'],
      [onA, withKindByte(current.bytes, 2, 200), 'malformed:unknown-kind'],
      [onA, withKindByte(current.bytes, 1, 9), 'malformed:unsupported-version'],
      [subjects.group(GROUP, 'data', 'a').replace('.data.', '.bogus.'), current.bytes, 'bad-subject'],
    ];
    for (const [subject, bytes] of attacks) rogue.publish(subject, bytes);
    await rogue.flush();

    const wanted = members.map((m) => {
      const counts = new Map<string, number>();
      for (const [, , reason, own] of attacks) {
        const r = m === a && own !== undefined ? own : reason;
        counts.set(r, (counts.get(r) ?? 0) + 1);
      }
      return counts;
    });
    const delta = (k: number, reason: string): number =>
      (members[k]!.node.stats.get(reason) ?? 0) - (before[k]![reason] ?? 0);
    await until(() => members.every((_, k) => [...wanted[k]!].every(([reason, n]) => delta(k, reason) >= n)), 10_000);
    for (const [k, m] of members.entries()) {
      for (const [reason, n] of wanted[k]!) {
        if (ROUTINE.has(reason)) expect(delta(k, reason)).toBeGreaterThanOrEqual(n);
        else
          expect({ member: m.name, reason, dropped: delta(k, reason) }).toEqual({ member: m.name, reason, dropped: n });
      }
      // What no healthy peer sends is a warning; the routine drops are debug lines.
      for (const reason of ['sender-mismatch', 'malformed:oversized', 'malformed:unknown-kind', 'bad-subject']) {
        expect(m.warnings.some((w) => w.includes(reason))).toBe(true);
      }
      expect(m.debug.some((d) => d.includes('(duplicate)'))).toBe(true);
    }

    // Nothing of it was delivered, nothing changed a view, and the group carries on.
    expected.push(...(await round('three')));
    await until(() => members.every((m) => m.delivered.length >= expectedAt(m).length), 10_000);
    const reference = members[0]!.delivered;
    for (const m of members) {
      expect([...m.delivered].sort()).toEqual([...expectedAt(m)].sort());
      expect(m.delivered).toEqual(reference.slice(reference.length - m.delivered.length));
      expect(m.group.view.id).toBe(view2);
    }
  }, 60_000);
});
