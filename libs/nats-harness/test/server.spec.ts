import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { NatsServerStartError, StartFailure, liveChildren, startNatsServer, stopAllNatsServers } from '../src/index.js';
import type { NatsServerProcess } from '../src/index.js';
import { deliver, eventually, isAlive } from './helpers.js';

const pids = new Set<number>();
const logDir = mkdtempSync(join(tmpdir(), 'nats-harness-spec-logs-'));

async function start(options: Parameters<typeof startNatsServer>[0] = {}): Promise<NatsServerProcess> {
  const server = await startNatsServer(options);
  pids.add(server.pid);
  return server;
}

afterAll(async () => {
  await stopAllNatsServers();
  rmSync(logDir, { recursive: true, force: true });
  expect(liveChildren()).toEqual([]);
  expect([...pids].filter(isAlive)).toEqual([]);
});

describe('startNatsServer', () => {
  it('starts on free loopback ports and answers /healthz', async () => {
    const server = await start({ name: 'single' });
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    expect(server.port).not.toBe(server.monitorPort);
    expect(server.port).not.toBe(4222);
    expect(server.running).toBe(true);
    const health = await fetch(`http://127.0.0.1:${server.monitorPort}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const varz = await server.varz();
    expect(varz.port).toBe(server.port);
    expect(varz.server_name).toBe('single');
    expect(server.logTail(20)).toContain('Server is ready');
  });

  it('carries messages, survives SIGKILL, and restarts on the same port for clients to reconnect', async () => {
    const server = await start({ name: 'restartable' });
    const nc = await connect({
      servers: server.url,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
    });
    try {
      expect(await deliver(nc, nc, 'harness.before', 'one')).toBe('one');
      expect((await server.connz()).num_connections).toBe(1);

      const statuses: string[] = [];
      const reconnected = (async () => {
        for await (const status of nc.status()) {
          statuses.push(status.type);
          if (status.type === 'reconnect') return;
        }
      })();

      const { pid, port, monitorPort } = server;
      await server.kill('SIGKILL');
      expect(server.running).toBe(false);
      expect(() => process.kill(pid, 0)).toThrow();
      expect(await server.healthz()).toBe(false);

      await server.restart();
      pids.add(server.pid);
      expect(server.pid).not.toBe(pid);
      expect([server.port, server.monitorPort]).toEqual([port, monitorPort]);
      expect(await server.healthz()).toBe(true);
      await reconnected;
      expect(statuses).toContain('disconnect');
      expect(await deliver(nc, nc, 'harness.after', 'two')).toBe('two');
    } finally {
      await nc.close();
    }
  }, 20_000);

  it('pauses (SIGSTOP) and resumes (SIGCONT)', async () => {
    const server = await start({ name: 'pausable' });
    server.pause();
    expect(server.paused).toBe(true);
    // The signal takes effect asynchronously: a probe sent at once may still be answered.
    expect(await eventually(async () => !(await server.healthz()))).toBe(true);
    server.resume();
    expect(server.paused).toBe(false);
    expect(await eventually(() => server.healthz())).toBe(true);
  }, 20_000);

  it('stop() ends the process with SIGTERM, even when paused', async () => {
    const server = await start({ name: 'stoppable' });
    server.pause();
    await server.stop();
    expect(server.running).toBe(false);
    expect(isAlive(server.pid)).toBe(false);
    expect(server.logTail(5)).toContain('Server Exiting');
  }, 20_000);

  it('passes a config file, JetStream and a log directory', async () => {
    const server = await start({ name: 'configured', config: 'max_payload: 4096\n', jetstream: true, logDir });
    const varz = await server.varz();
    expect(varz.max_payload).toBe(4096);
    expect(varz['jetstream']).toMatchObject({ config: { store_dir: expect.stringContaining(server.dir) } });
    expect(server.logFile).toBe(join(logDir, 'configured.log'));
  }, 20_000);

  it('restart() reports a port held by another process, and succeeds once it is free', async () => {
    const server = await start({ name: 'contested' });
    await server.kill();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(server.port, '127.0.0.1', resolve));
    const failure = await server.restart().then(
      () => undefined,
      (error: unknown) => error,
    );
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    expect(failure).toBeInstanceOf(NatsServerStartError);
    expect((failure as NatsServerStartError).portInUse).toBe(true);
    expect((failure as NatsServerStartError).message).toContain('address already in use');
    await server.restart();
    pids.add(server.pid);
    expect(await server.healthz()).toBe(true);
  }, 20_000);

  it('reports a server that cannot start, with its output and exit code', async () => {
    const failure = await start({ name: 'broken', config: 'this is { not a valid config' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(NatsServerStartError);
    const error = failure as NatsServerStartError;
    expect(error.reason).toBe(StartFailure.Exited);
    expect(error.exitCode).not.toBe(0);
    expect(error.message).toContain('broken');
    expect(error.logTail.length).toBeGreaterThan(0);
  });
});
