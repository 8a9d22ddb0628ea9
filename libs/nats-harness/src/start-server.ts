import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NatsServerStartError } from './errors.js';
import { findNatsServer } from './find-binary.js';
import { NatsServerProcess } from './nats-server.js';
import type { ExpectedRoutes } from './nats-server.js';
import { freePorts } from './ports.js';
import { registerTempDir } from './registry.js';
import { launchServer } from './server-launch.js';
import type { ServerLaunchSpec } from './server-launch.js';

export interface ClusterSettings {
  readonly name: string;
  /** The route listener's port; a free one when omitted. */
  readonly port?: number;
  /** Route URLs to solicit (nats://host:port). */
  readonly routes: readonly string[];
}

export interface NatsServerOptions {
  /** Server name (`-n`), also used in log and directory names. */
  readonly name?: string;
  /** Extra command-line arguments, appended last. */
  readonly args?: readonly string[];
  /** Contents of a configuration file, written to the temp directory and passed with -c. */
  readonly config?: string;
  readonly cluster?: ClusterSettings;
  /** Enables JetStream with its store in the server's temp directory. */
  readonly jetstream?: boolean;
  /** Where to write `<name>.log` instead of the temp directory (kept after cleanup). */
  readonly logDir?: string;
  /** How long to wait for /healthz; default 10 s. */
  readonly readyTimeoutMs?: number;
}

/** Internal knobs used by startNatsCluster. */
export interface StartHooks {
  readonly expectedRoutes?: ExpectedRoutes;
}

const START_ATTEMPTS = 3;
const READY_TIMEOUT_MS = 10_000;
let unnamed = 0;

function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

export async function startServerWithHooks(options: NatsServerOptions, hooks: StartHooks): Promise<NatsServerProcess> {
  const binary = findNatsServer();
  const name = options.name ?? `nats-${++unnamed}`;
  const dir = mkdtempSync(join(tmpdir(), `nats-harness-${fileSafe(name)}-`));
  registerTempDir(dir);
  let logFile = join(dir, 'nats-server.log');
  if (options.logDir !== undefined) {
    const logDir = resolve(options.logDir);
    mkdirSync(logDir, { recursive: true });
    logFile = join(logDir, `${fileSafe(name)}.log`);
  }
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const needsClusterPort = options.cluster !== undefined && options.cluster.port === undefined;
    const [port, monitorPort, freeClusterPort] = (await freePorts(needsClusterPort ? 3 : 2)) as [
      number,
      number,
      number | undefined,
    ];
    const spec: ServerLaunchSpec = {
      binary,
      name,
      port,
      monitorPort,
      cluster:
        options.cluster === undefined
          ? undefined
          : {
              name: options.cluster.name,
              port: options.cluster.port ?? (freeClusterPort as number),
              routes: [...options.cluster.routes],
            },
      jetstream: options.jetstream === true,
      dir,
      logFile,
      config: options.config,
      extraArgs: [...(options.args ?? [])],
      readyTimeoutMs: options.readyTimeoutMs ?? READY_TIMEOUT_MS,
    };
    try {
      return new NatsServerProcess(spec, await launchServer(spec), hooks.expectedRoutes);
    } catch (error) {
      // Another process bound one of the ports between allocation and the server's bind.
      if (!(error instanceof NatsServerStartError && error.portInUse)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

/**
 * Starts nats-server on 127.0.0.1 with a free client port and a free monitoring port, its log in
 * a temp directory, and resolves once it is ready. Retries with new ports (up to 3 times) when a
 * port was taken in the meantime; otherwise throws NatsServerStartError with the log tail.
 */
export function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerProcess> {
  return startServerWithHooks(options, {});
}
