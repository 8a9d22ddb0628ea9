import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { connect as natsConnect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { FAST_OPTIONS, silentLogger, startNatsServer, stopAllNatsServers } from '@cohort/nats-harness';
import type { NatsServerProcess } from '@cohort/nats-harness';
import { Subjects } from '@cohort/core';
import { connect, gatherStatus } from '../src/index.js';
import type {
  CohortLogger,
  NatsCohortNode,
  StatusAnswer,
  StatusErrorAnswer,
  StatusReportAnswer,
} from '../src/index.js';

// Each test runs processes and the CLI: in npm test, beside every other suite on two cores, 5 s is too short.
jest.setTimeout(30_000);

// The responder of every NatsCohortNode and the gatherer, with in-process nodes on a real
// nats-server: requests of every malformed kind are answered with an error object and change
// nothing; an answer larger than the server's max_payload is cut to fit and says so; a closed node
// no longer answers; the gatherer ignores (and counts) answers that are not status answers.

const NS = 'st';
const SUBJECT = new Subjects(NS).status();
let server: NatsServerProcess;
const nodes: NatsCohortNode[] = [];
const connections: NatsConnection[] = [];

async function node(name: string, url = server.url, logger: CohortLogger = silentLogger): Promise<NatsCohortNode> {
  const n = await connect({ servers: url, namespace: NS, name, logger, ...FAST_OPTIONS });
  nodes.push(n);
  return n;
}

async function client(url = server.url): Promise<NatsConnection> {
  const nc = await natsConnect({ servers: url });
  connections.push(nc);
  return nc;
}

async function ask(nc: NatsConnection, body: string | Uint8Array = ''): Promise<StatusAnswer> {
  const reply = await nc.request(SUBJECT, body, { timeout: 5000 });
  return reply.json<StatusAnswer>();
}

beforeAll(async () => {
  server = await startNatsServer({ name: 'status-responder' });
});

afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.close()));
  await Promise.allSettled(connections.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await stopAllNatsServers();
});

describe('the status responder', () => {
  it('answers an empty request and {"version":1} with the node report', async () => {
    const a = await node('a');
    await a.join('g');
    const nc = await client();
    for (const body of ['', '{"version":1}']) {
      const answer = (await ask(nc, body)) as StatusReportAnswer;
      expect(answer).toMatchObject({
        protocol: 'cohort-status',
        version: 1,
        node: { id: a.id, name: 'a', namespace: NS },
      });
      expect(answer.truncated).toBeUndefined();
      expect(answer.node.groups).toMatchObject([{ name: 'g', status: 'member', view: { members: [a.id] } }]);
    }
  });

  it('answers malformed requests with an error object, ignores requests without a reply, and keeps answering', async () => {
    const warnings: string[] = [];
    const a = await node('a', server.url, { ...silentLogger, warn: (m: string) => warnings.push(m) });
    const nc = await client();
    const cases: [string | Uint8Array, string][] = [
      ['not json', 'bad-request'],
      ['[1]', 'bad-request'],
      ['null', 'bad-request'],
      ['{"version":"1"}', 'bad-request'],
      ['{"version":1.5}', 'bad-request'],
      [new Uint8Array([0xff, 0xfe, 0x00]), 'bad-request'],
      [`{"version":1,"pad":"${'x'.repeat(2000)}"}`, 'bad-request'],
      ['{"version":2}', 'unsupported-version'],
    ];
    for (const [body, code] of cases) {
      const answer = (await ask(nc, body)) as StatusErrorAnswer;
      expect(answer).toMatchObject({
        protocol: 'cohort-status',
        node: { id: a.id, name: 'a' },
        error: { code, versions: [1] },
      });
    }
    nc.publish(SUBJECT, '{"version":1}');
    await nc.flush();
    expect(await ask(nc)).toMatchObject({ node: { id: a.id } });
    expect(warnings).toEqual([]);
  });

  it('answers for a node in 1,000 groups, cut to the groups that fit in max_payload, and says so', async () => {
    const maxPayload = 65_536;
    const small = await startNatsServer({ name: 'status-small', config: `max_payload: ${maxPayload}\n` });
    const a = await node('a', small.url);
    const groups = Array.from({ length: 1000 }, (_, i) => `g${i}`);
    await Promise.all(groups.map((g) => a.join(g)));
    const nc = await client(small.url);
    const reply = await nc.request(SUBJECT, '', { timeout: 5000 });
    expect(reply.data.length).toBeLessThanOrEqual(maxPayload);
    const answer = reply.json<StatusReportAnswer>();
    const kept = answer.node.groups.length;
    expect(kept).toBeGreaterThan(0);
    expect(answer.truncated).toEqual({
      groupsTotal: 1000,
      groupsOmitted: 1000 - kept,
      meshViewOmitted: false,
      maxPayload,
    });
    expect(answer.node.groups.map((g) => g.name)).toEqual(
      a
        .status()
        .groups.slice(0, kept)
        .map((g) => g.name),
    );
    expect(answer.node.mesh.view?.members).toEqual([a.id]);

    const status = await gatherStatus(nc, NS);
    expect(status.nodes).toMatchObject([{ id: a.id, groups: 1000, truncated: { groupsTotal: 1000 } }]);
    expect(status.groups).toHaveLength(kept);
    await a.close();
    await small.stop();
  }, 30_000);

  it('stops answering when its node closes', async () => {
    const a = await node('a');
    const nc = await client();
    expect(await ask(nc)).toMatchObject({ node: { id: a.id } });
    await a.close();
    const status = await gatherStatus(nc, NS, { timeoutMs: 5000 });
    expect(status).toMatchObject({ ended: 'no-responders', reports: [] });
  });
});

describe('gatherStatus', () => {
  it('merges the reports into the mesh and group views and counts answers that are not status answers', async () => {
    const a = await node('a');
    const ga = await a.join<number>('g');
    const b = await node('b');
    await b.join('g');
    await ga.multicast(1);
    const nc = await client();
    // Something else subscribed to the subject, answering rubbish.
    const impostor = await client();
    impostor.subscribe(SUBJECT, {
      callback: (_err, msg) => {
        msg.respond('not json');
        msg.respond('{"protocol":"cohort-status","version":1,"node":{"id":"x"}}');
        msg.respond('{"protocol":"other"}');
      },
    });
    await impostor.flush();
    const status = await gatherStatus(nc, NS, { timeoutMs: 5000 });
    expect(status).toMatchObject({ ended: 'complete', malformed: 3, errors: [] });
    expect(status.reports.map((r) => r.node.id).sort()).toEqual([a.id, b.id].sort());
    expect(status.mesh).toMatchObject({ root: a.id, rootAnswered: true, missing: [], outside: [], otherRoots: [] });
    expect(status.nodes.map((n) => n.id)).toEqual([a.id, b.id]);
    const [g] = status.groups;
    expect(g).toMatchObject({ name: 'g', view: { coordinator: a.id, members: [a.id, b.id] }, others: [] });
    expect(g!.members.map((m) => [m.id, m.detail])).toEqual([
      [a.id, 'reported'],
      [b.id, 'reported'],
    ]);
    expect(g!.members[0]!.counters).toMatchObject({ multicasts: 1, deliveries: 1 });

    const first = await gatherStatus(nc, NS, { expected: 1, timeoutMs: 5000 });
    expect(first).toMatchObject({ ended: 'expected' });
    expect(first.reports).toHaveLength(1);
  });
});
