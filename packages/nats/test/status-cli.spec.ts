import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import {
  FAST_OPTIONS,
  GROUP_NODE_FIXTURE,
  Traffic,
  freePort,
  killAllChildren,
  spawnNode,
  silentLogger,
  spawnTracked,
  startNatsServer,
  stopAllNatsServers,
} from '@cohort/nats-harness';
import type { ExitInfo, NatsServerProcess, NodeProcess } from '@cohort/nats-harness';
import { connect, memberPermissions, statusPermissions } from '../src/index.js';
import type { StatusGathering } from '../src/index.js';

// Each test runs processes and the CLI: in npm test, beside every other suite on two cores, 5 s is too short.
jest.setTimeout(30_000);

// `cohort status` against real processes: three fixture members on a real nats-server, in two
// groups (a: m1, m2, m3; b: m1, m2), multicast for a while and stop. Once every member has
// delivered everything, the built CLI (a child process, as an operator runs it) must show the
// three nodes, the root, each group's view and members, and per-member counters equal to what
// each fixture printed: its DELIVER lines are its `deliveries`, its SEND lines its `multicasts`.

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const NS = 'cli';
const GROUPS = { a: ['m1', 'm2', 'm3'], b: ['m1', 'm2'] } as const;
const ACKED = 20;

let server: NatsServerProcess;
const nodes = new Map<string, NodeProcess>();

interface Run extends ExitInfo {
  readonly stdout: string;
  readonly stderr: string;
}

async function cli(...args: string[]): Promise<Run> {
  const proc = spawnTracked(process.execPath, [CLI, ...args], { name: 'cohort-cli' });
  const exit = await proc.exited;
  return { ...exit, stdout: proc.lines.join('\n'), stderr: proc.stderr };
}

function spawn(name: string): Promise<NodeProcess> {
  const groups = Object.entries(GROUPS)
    .filter(([, members]) => (members as readonly string[]).includes(name))
    .map(([g]) => g);
  return spawnNode({
    fixture: GROUP_NODE_FIXTURE,
    name,
    groups,
    env: { NATS_URL: server.url, COHORT_NAMESPACE: NS, SEND_EVERY_MS: '5', MAX_IN_FLIGHT: '4' },
  });
}

function count(node: NodeProcess, tag: string, group: string): number {
  return node.records<{ group: string }>(tag, (r) => r.group === group).length;
}

beforeAll(async () => {
  server = await startNatsServer({ name: 'status-cli' });
  // m1 first, so that it is the oldest node: the root, and the coordinator of both groups.
  const m1 = await spawn('m1');
  await m1.waitGroupView('b', (v) => v.members.includes(m1.id), { timeoutMs: 15_000, what: 'its group b' });
  const [m2, m3] = await Promise.all([spawn('m2'), spawn('m3')]);
  for (const n of [m1, m2!, m3!]) nodes.set(n.name, n);
  for (const [group, names] of Object.entries(GROUPS)) {
    const members = names.map((n) => nodes.get(n)!);
    const traffic = new Traffic(members, group);
    await traffic.until(
      `${ACKED} multicasts acknowledged at every member of ${group}`,
      () => traffic.converged(members) && members.every((m) => traffic.acked(m) >= ACKED),
    );
  }
  await Promise.all([...nodes.values()].map((n) => n.proc.kill('SIGUSR2')));
  for (const [group, names] of Object.entries(GROUPS)) {
    const members = names.map((n) => nodes.get(n)!);
    const traffic = new Traffic(members, group);
    await traffic.until(`group ${group} quiet and delivered`, () => traffic.drained(members));
  }
}, 60_000);

afterAll(async () => {
  await killAllChildren();
  await stopAllNatsServers();
});

describe('cohort status against member processes', () => {
  it('--json: three nodes, the root, each group with its view, members and their counters', async () => {
    const run = await cli('status', '--servers', server.url, '--namespace', NS, '--json');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const status = JSON.parse(run.stdout) as StatusGathering;
    const m = (name: string) => nodes.get(name)!;
    const ids = ['m1', 'm2', 'm3'].map((n) => m(n).id);

    expect(status.reports.map((r) => r.node.id).sort()).toEqual([...ids].sort());
    // Oldest first: m1, then m2 and m3 in the order they happened to start.
    expect(status.nodes[0]!.name).toBe('m1');
    expect(status.mesh).toMatchObject({ root: m('m1').id, rootAnswered: true, missing: [], outside: [] });
    expect([...status.mesh.view!.members].sort()).toEqual([...ids].sort());
    expect(status.malformed).toBe(0);

    expect(status.groups.map((g) => g.name)).toEqual(['a', 'b']);
    for (const group of status.groups) {
      const names = GROUPS[group.name as keyof typeof GROUPS];
      const last = m('m1').groupViews(group.name).at(-1)!;
      expect(group.view).toMatchObject({ id: last.id, coordinator: m('m1').id, members: last.members });
      expect([...group.view!.members].sort()).toEqual(names.map((n) => m(n).id).sort());
      expect(group.others).toEqual([]);
      for (const name of names) {
        const node = m(name);
        const row = group.members.find((r) => r.id === node.id);
        expect(row).toMatchObject({
          detail: 'reported',
          status: 'member',
          viewId: last.id,
          counters: {
            deliveries: count(node, 'DELIVER', group.name),
            multicasts: count(node, 'SEND', group.name),
          },
        });
      }
    }
  });

  it('prints a mesh section and a section per group with a counters table', async () => {
    const run = await cli('status', '--servers', server.url, '--namespace', NS);
    expect(run.code).toBe(0);
    const m1 = nodes.get('m1')!;
    expect(run.stdout).toContain(`namespace ${NS}: 3 nodes answered`);
    expect(run.stdout).toMatch(new RegExp(`^mesh: view \\d+, root ${m1.id}, 3 members`, 'm'));
    expect(run.stdout).toMatch(
      new RegExp(`^group a \\(fifo, agreed\\): view \\d+, coordinator ${m1.id}, 3 members`, 'm'),
    );
    expect(run.stdout).toMatch(
      new RegExp(`^group b \\(fifo, agreed\\): view \\d+, coordinator ${m1.id}, 2 members`, 'm'),
    );
    expect(run.stdout).toMatch(
      /^member +status +view +deliveries +multicasts +retransmissions +naks +flushes +backlog/m,
    );
    for (const n of nodes.values()) {
      expect(run.stdout).toMatch(new RegExp(`^${n.id} +${n.name} +member `, 'm'));
      expect(run.stdout).toMatch(new RegExp(`^${n.id} +member +\\d+ +${count(n, 'DELIVER', 'a')} `, 'm'));
    }
  });

  it('exits 3 and says so when nobody answers in the namespace', async () => {
    const run = await cli('status', '--servers', server.url, '--namespace', 'nobody');
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('no node answered in namespace nobody');
  });

  it('exits 2 with what to fix on bad arguments, and 1 when the server cannot be reached', async () => {
    const bad = await Promise.all([
      cli('status', '--servers', server.url),
      cli('status', '--namespace', 'a.b'),
      cli('status', '--namespace', NS, '--timeout', 'soon'),
      cli('status', '--namespace', NS, '--user', 'u'),
      cli('status', '--namespace', NS, '--token', 't', '--creds', 'f'),
      cli('stats'),
    ]);
    expect(bad.map((r) => r.code)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(bad.map((r) => r.stderr.split('\n')[0])).toEqual([
      'cohort: --namespace is required: which namespace to ask in',
      `cohort: --namespace: invalid namespace "a.b": must be one NATS subject token: no '.', '*', '>' or white space`,
      'cohort: --timeout must be a whole number of milliseconds ≥ 1, got "soon"',
      'cohort: --user and --pass go together',
      'cohort: use one way to authenticate, not --token and --creds',
      'cohort: unknown command "stats": the only command is status',
    ]);
    const url = `nats://127.0.0.1:${await freePort()}`;
    const unreachable = await cli('status', '--servers', url, '--namespace', NS);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`cannot connect to NATS at ${url}`);
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
  });
});

describe('cohort status with authentication', () => {
  // a answers; b is a member whose user may not answer requests (no allow_responses); ops has
  // statusPermissions() only; mute may not publish the request.
  const deaf = { ...memberPermissions('sec', 'b'), allow_responses: false };
  const config = `authorization {
  users = [
    { user: a, password: a-secret, permissions: ${JSON.stringify(memberPermissions('sec', 'a'))} }
    { user: b, password: b-secret, permissions: ${JSON.stringify(deaf)} }
    { user: ops, password: ops-secret, permissions: ${JSON.stringify(statusPermissions('sec'))} }
    { user: mute, password: mute-secret, permissions: { publish: ["cohort.sec.in.>"], subscribe: ["_INBOX.>"] } }
  ]
}
`;
  const member = (url: string, name: string) =>
    connect({
      servers: url,
      namespace: 'sec',
      name,
      nats: { user: name, pass: `${name}-secret` },
      logger: silentLogger,
      ...FAST_OPTIONS,
    });
  const as = (url: string, user: string, pass: string, ...more: string[]) =>
    cli('status', '--servers', url, '--namespace', 'sec', '--user', user, '--pass', pass, ...more);

  it('works for a user with statusPermissions(), lists a member that cannot answer, names a missing permission', async () => {
    const secure = await startNatsServer({ name: 'status-auth', config });
    const a = await member(secure.url, 'a');
    const b = await member(secure.url, 'b');
    try {
      await a.join('g');
      await b.join('g');
      const ok = await as(secure.url, 'ops', 'ops-secret', '--json', '--timeout', '1000');
      expect(ok.code).toBe(0);
      const status = JSON.parse(ok.stdout) as StatusGathering;
      expect(status.reports.map((r) => r.node.id)).toEqual([a.id]);
      expect(status.mesh).toMatchObject({ root: a.id, missing: [b.id] });
      expect(status.groups[0]!.members.map((m) => [m.id, m.detail])).toEqual([
        [a.id, 'reported'],
        [b.id, 'no-answer'],
      ]);
      const human = await as(secure.url, 'ops', 'ops-secret', '--timeout', '1000');
      expect(human.stdout).toContain(`not answering (in the mesh view): ${b.id}`);
      expect(human.stdout).toMatch(new RegExp(`^${b.id} +no answer$`, 'm'));

      const mute = await as(secure.url, 'mute', 'mute-secret');
      expect(mute.code).toBe(1);
      expect(mute.stderr).toContain('refused to let this user publish on cohort.sec.status');
      const wrong = await as(secure.url, 'ops', 'guess');
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain(`cannot connect to NATS at ${secure.url}`);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await secure.stop();
    }
  });
});
