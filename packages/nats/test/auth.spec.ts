import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as natsConnect, nkeyAuthenticator, nkeys } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { FAST_OPTIONS, startNatsServer, stopAllNatsServers, waitUntil as until } from '@cohort/nats-harness';
import type { NatsServerProcess } from '@cohort/nats-harness';
import { Subjects, decodeBundle, decodeFrame, encodeFrame, isBundle } from '@cohort/core';
import type { DataFrame } from '@cohort/core';
import { connect, memberPermissions } from '../src/index.js';
import type { Group, NatsCohortNode } from '../src/index.js';

// Identity enforced by the server (docs/design/security.md): every node has a NATS user that may
// publish only on subjects ending with the node's name, one with a password and one with an nkey.
// A client without those permissions cannot inject frames, not even a well-formed one with the next
// seq, which the members would otherwise deliver; a member cannot publish as another, and frames it
// publishes under its own name that claim another's id are dropped as sender mismatches.

const NAMESPACE = 'auth';
const GROUP = 'g';
const OPTIONS = { ...FAST_OPTIONS, heartbeatMs: 50, suspectAfterMs: 400, verifyTimeoutMs: 200, joinTimeoutMs: 500 };
const bKeys = nkeys.createUser();

/** The server's configuration: members a and c by password, b by nkey, mallory only as a client. */
function serverConfig(): string {
  const member = (name: string) => JSON.stringify(memberPermissions(NAMESPACE, name));
  return `authorization {
  users = [
    { user: a, password: a-secret, permissions: ${member('a')} }
    { nkey: ${bKeys.getPublicKey()}, permissions: ${member('b')} }
    { user: c, password: c-secret, permissions: ${member('c')} }
    { user: mallory, password: m-secret, permissions: { publish: ["cohort.${NAMESPACE}.in.>"], subscribe: ["cohort.${NAMESPACE}.>"] } }
  ]
}
`;
}

let server: NatsServerProcess;
const nodes: NatsCohortNode[] = [];
const connections: NatsConnection[] = [];

beforeAll(async () => {
  server = await startNatsServer({ name: 'auth', config: serverConfig() });
});

afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.close()));
  await Promise.allSettled(connections.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await stopAllNatsServers();
});

interface Member {
  readonly node: NatsCohortNode;
  readonly group: Group<string>;
  readonly delivered: string[];
}

async function member(name: string, nats: object): Promise<Member> {
  const node = await connect({ servers: server.url, namespace: NAMESPACE, name, nats, logger: quiet(), ...OPTIONS });
  nodes.push(node);
  const delivered: string[] = [];
  const group = await node.join<string>(GROUP, {
    ordering: 'fifo',
    attach: (g) => g.messages$.subscribe((d) => delivered.push(d.payload)),
  });
  return { node, group, delivered };
}

function quiet() {
  return { log: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
}

/** A raw NATS connection that records the permission violations the server reports to it. */
async function rawClient(options: object): Promise<{ nc: NatsConnection; refused: string[] }> {
  const nc = await natsConnect({ servers: server.url, ...options });
  connections.push(nc);
  const refused: string[] = [];
  void (async () => {
    for await (const s of nc.status()) if (s.type === 'error') refused.push(String(s.error.message));
  })();
  return { nc, refused };
}

describe('a nats-server with per-user publish permissions', () => {
  it('rejects a client that lacks them, and a member that publishes as another', async () => {
    const subjects = new Subjects(NAMESPACE);
    const heard: Uint8Array[] = [];
    const mallory = await rawClient({ user: 'mallory', pass: 'm-secret' });
    mallory.nc.subscribe(subjects.group(GROUP, 'data', 'a'), { callback: (_, m) => void heard.push(m.data) });
    await mallory.nc.flush();

    const a = await member('a', { user: 'a', pass: 'a-secret' });
    const b = await member('b', { authenticator: nkeyAuthenticator(bKeys.getSeed()) });
    const c = await member('c', { user: 'c', pass: 'c-secret' });
    const all = [a, b, c];
    await until(() => all.every((m) => m.group.view.members.length === 3), 10_000);
    const sent = ['a1', 'a2', 'a3'];
    for (const p of sent) await a.group.multicast(p);
    await until(() => all.every((m) => m.delivered.length === sent.length), 10_000);

    // a's last multicast as the rogue heard it, and a forgery of its next one.
    const frames = heard.flatMap((d) => (isBundle(d) ? decodeBundle(d, 1 << 20).frames : [d]));
    const last = frames
      .map((f) => decodeFrame(f, 1 << 20))
      .filter((f): f is DataFrame => f.kind === 'data')
      .at(-1)!;
    const next = encodeFrame({ ...last, seq: last.seq + 1, payload: new TextEncoder().encode('"forged"') });
    const dropsBefore = all.map((m) => m.node.stats.total);

    // mallory may not publish on member subjects at all.
    mallory.nc.publish(subjects.group(GROUP, 'data', 'a'), next);
    await mallory.nc.flush();
    await until(() => mallory.refused.length >= 1, 5_000);
    expect(mallory.refused[0]).toMatch(/permissions violation for publish/i);

    // b, with its own credentials, may not publish as a, and what it publishes as itself with a's id is dropped.
    const bRaw = await rawClient({ authenticator: nkeyAuthenticator(bKeys.getSeed()) });
    bRaw.nc.publish(subjects.group(GROUP, 'data', 'a'), next);
    bRaw.nc.publish(subjects.group(GROUP, 'data', 'b'), next);
    await bRaw.nc.flush();
    await until(() => bRaw.refused.length >= 1, 5_000);
    expect(bRaw.refused[0]).toContain(subjects.group(GROUP, 'data', 'a'));
    await until(() => all.every((m) => m.node.stats.get('sender-mismatch') >= 1), 5_000);

    // a's real next multicast is delivered, as the next one, everywhere: nothing took its seq.
    await a.group.multicast('a4');
    await until(() => all.every((m) => m.delivered.length === 4), 10_000);
    for (const m of all) {
      expect(m.delivered).toEqual([...sent, 'a4']);
      // The one frame b got through its own subject, and nothing else of the rogues.
      expect(m.node.stats.total - dropsBefore[all.indexOf(m)]!).toBe(m.node.stats.get('sender-mismatch'));
      expect(m.node.stats.get('sender-mismatch')).toBe(1);
    }
    await expect(b.group.multicast('b1')).resolves.toBeDefined();
    await until(() => all.every((m) => m.delivered.includes('b1')), 10_000);
  }, 60_000);

  it('keeps out a node whose user may not publish as its name, and the node says why', async () => {
    const a = await member('a', { user: 'a', pass: 'a-secret' });
    const warnings: string[] = [];
    const logger = { ...quiet(), warn: (m: string) => warnings.push(m) };
    const wrong = await connect({
      servers: server.url,
      namespace: NAMESPACE,
      name: 'b',
      nats: { user: 'c', pass: 'c-secret' },
      logger,
      ...OPTIONS,
    });
    nodes.push(wrong);
    const joining = wrong.join(GROUP, { timeoutMs: 3_000 }).catch(() => undefined);
    await until(() => warnings.some((w) => w.includes('may not publish') && w.includes('security.md')), 5_000);
    // Nothing it published reached a: no view with it, no frame of it dropped there.
    expect(a.group.view.members).toEqual([a.node.id]);
    expect(a.node.meshView?.members).toEqual([a.node.id]);
    expect(a.node.stats.total).toBe(0);
    await joining;
  }, 30_000);
});

describe('a nats-server that requires TLS', () => {
  it('is reached with the TLS options given to connect(), which pass through to the NATS client', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-tls-'));
    const file = (name: string) => join(dir, name);
    // A throwaway CA and a server certificate for 127.0.0.1, made with the system's openssl.
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=cohort-test-ca',
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.pem'),
    );
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      file('server.key'),
      '-out',
      file('server.csr'),
    );
    // The NATS client checks the certificate against the name localhost for a loopback URL.
    writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    openssl(
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      file('san.ext'),
      '-out',
      file('server.pem'),
    );
    const tlsServer = await startNatsServer({
      name: 'tls',
      config: `tls { cert_file: "${file('server.pem')}", key_file: "${file('server.key')}" }\n`,
    });
    const join2 = async (name: string) => {
      const node = await connect({
        servers: tlsServer.url,
        namespace: NAMESPACE,
        name,
        nats: { tls: { caFile: file('ca.pem') } },
        logger: quiet(),
        ...OPTIONS,
      });
      nodes.push(node);
      return node.join<string>(GROUP);
    };
    const x = await join2('x');
    const y = await join2('y');
    await until(() => x.view.members.length === 2 && y.view.members.length === 2, 10_000);
    const got: string[] = [];
    y.messages$.subscribe((d) => got.push(d.payload));
    await x.multicast('over tls');
    await until(() => got.length === 1, 10_000);
    expect(got).toEqual(['over tls']);
    // Without the CA the client refuses the server's certificate.
    await expect(
      connect({
        servers: tlsServer.url,
        namespace: NAMESPACE,
        name: 'z',
        logger: quiet(),
        nats: { tls: {}, maxReconnectAttempts: 0 },
      }),
    ).rejects.toThrow(/cannot connect/);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
