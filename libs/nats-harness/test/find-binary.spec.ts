import { afterAll, describe, expect, it } from '@jest/globals';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsServerNotFoundError, findNatsServer, freePort, freePorts } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'nats-harness-find-'));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('findNatsServer', () => {
  it('rejects a NATS_SERVER_BIN that does not exist, saying how to install nats-server', () => {
    const missing = join(dir, 'no-such-nats-server');
    const error = thrownBy(() => findNatsServer({ NATS_SERVER_BIN: missing, PATH: process.env['PATH'] }));
    expect(error).toBeInstanceOf(NatsServerNotFoundError);
    const { name, message } = error as NatsServerNotFoundError;
    expect(name).toBe('NatsServerNotFoundError');
    expect(message).toContain(`NATS_SERVER_BIN=${missing} is not an executable file`);
    expect(message).toContain('sudo apt-get update && sudo apt-get install -y nats-server');
    expect(message).toContain('https://github.com/nats-io/nats-server/releases');
    expect(message).toContain('bash scripts/ensure-nats-server.sh');
  });

  it('rejects a NATS_SERVER_BIN that is not executable', () => {
    const plain = join(dir, 'not-executable');
    writeFileSync(plain, '#!/bin/sh\n');
    chmodSync(plain, 0o644);
    expect(() => findNatsServer({ NATS_SERVER_BIN: plain })).toThrow(NatsServerNotFoundError);
  });

  it('prefers NATS_SERVER_BIN, then PATH, then the sbin directories', () => {
    const fake = join(dir, 'nats-server');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    expect(findNatsServer({ NATS_SERVER_BIN: fake, PATH: '' })).toBe(fake);
    expect(findNatsServer({ PATH: `/nonexistent:${dir}` })).toBe(fake);
    if (existsSync('/usr/sbin/nats-server'))
      expect(findNatsServer({ PATH: '/nonexistent' })).toBe('/usr/sbin/nats-server');
  });

  it('finds the installed nats-server', () => {
    expect(findNatsServer()).toMatch(/nats-server$/);
  });
});

describe('freePort', () => {
  it('returns loopback ports that can be bound', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    await new Promise<void>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
    });
  });

  it('never hands out the same port twice in a row', async () => {
    const ports = [...(await freePorts(5)), ...(await Promise.all([freePort(), freePort(), freePort()]))];
    expect(new Set(ports).size).toBe(ports.length);
  });
});
