import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NatsServerStartError, StartFailure } from './errors.js';
import type { ExitInfo } from './exit-info.js';
import { fileSize, lastLines, readFrom } from './log-file.js';
import { healthzOk } from './monitoring.js';
import { ChildKind, registerChild } from './registry.js';
import { keepAlive, sleep } from './wait.js';

export interface ClusterSpec {
  readonly name: string;
  readonly port: number;
  readonly routes: readonly string[];
}

/** Everything needed to (re)start one nats-server; restarts reuse it, hence the same ports. */
export interface ServerLaunchSpec {
  readonly binary: string;
  readonly name: string;
  readonly port: number;
  readonly monitorPort: number;
  readonly cluster: ClusterSpec | undefined;
  readonly jetstream: boolean;
  /** Harness-owned directory: config file, JetStream store, stderr capture. */
  readonly dir: string;
  readonly logFile: string;
  readonly config: string | undefined;
  readonly extraArgs: readonly string[];
  readonly readyTimeoutMs: number;
}

/** One nats-server OS process (a restart makes a new one). */
export interface ServerChild {
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  /** Undefined while the process runs. */
  exitInfo(): ExitInfo | undefined;
  signal(signal: NodeJS.Signals): void;
}

const POLL_MS = 50;
const LOG_TAIL_LINES = 40;
// Printed once the client listener is up, which comes after the monitor listener; seeing it in
// *this* attempt's log proves the monitor port is ours and not another process's.
const READY_LINE = 'Server is ready';
// The route listener starts after READY_LINE, so clustered servers need this one too.
const ROUTES_LINE = 'Listening for route connections on';

export function clusterUrl(port: number): string {
  return `nats://127.0.0.1:${port}`;
}

export function serverArgs(spec: ServerLaunchSpec, configFile: string | undefined): string[] {
  const args: string[] = [];
  if (configFile !== undefined) args.push('-c', configFile);
  // Never pass port 0: nats-server reads it as "use the default" (4222).
  args.push(
    '-a',
    '127.0.0.1',
    '-p',
    String(spec.port),
    '-m',
    String(spec.monitorPort),
    '-n',
    spec.name,
    '-l',
    spec.logFile,
  );
  if (spec.cluster !== undefined) {
    args.push('--cluster_name', spec.cluster.name, '--cluster', clusterUrl(spec.cluster.port));
    if (spec.cluster.routes.length > 0) args.push('--routes', spec.cluster.routes.join(','));
  }
  if (spec.jetstream) args.push('-js', '-sd', join(spec.dir, 'jetstream'));
  args.push(...spec.extraArgs);
  return args;
}

function stderrFile(spec: ServerLaunchSpec): string {
  return join(spec.dir, 'stderr.log');
}

function prepareFiles(spec: ServerLaunchSpec): string | undefined {
  // Recreated on every launch: cleanup may have removed the directory since the last one.
  mkdirSync(spec.dir, { recursive: true });
  mkdirSync(dirname(spec.logFile), { recursive: true });
  if (spec.config === undefined) return undefined;
  const configFile = join(spec.dir, 'nats-server.conf');
  writeFileSync(configFile, spec.config);
  return configFile;
}

async function spawnServer(
  spec: ServerLaunchSpec,
  fail: (reason: StartFailure, summary: string, exit: ExitInfo) => NatsServerStartError,
): Promise<ServerChild> {
  const configFile = prepareFiles(spec);
  // stderr goes to a file rather than a pipe: nothing has to drain it, and errors printed before
  // the log file opens (a bad config, say) still end up in the start error.
  const stderrFd = openSync(stderrFile(spec), 'a');
  let child: ChildProcess;
  try {
    child = spawn(spec.binary, serverArgs(spec, configFile), {
      stdio: ['ignore', 'ignore', stderrFd],
      detached: false,
    });
  } finally {
    closeSync(stderrFd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    const [error] = (await once(child, 'error')) as [Error];
    throw fail(StartFailure.SpawnFailed, `could not run ${spec.binary}: ${error.message}`, {
      code: null,
      signal: null,
    });
  }
  // 'error' also reports signals that could not be delivered; the exit promise covers the rest.
  child.on('error', () => undefined);
  // A server left running must not keep Node alive (Jest would hang after the run): the exit
  // hook kills it once the process ends. Waits on it go through keepAlive() instead.
  child.unref();
  let exit: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  const server: ServerChild = {
    pid,
    exited,
    exitInfo: () => exit,
    signal: (signal) => {
      if (exit === undefined) child.kill(signal);
    },
  };
  registerChild({ pid, kind: ChildKind.NatsServer, name: spec.name, signal: server.signal, exited });
  return server;
}

function isReady(log: string, spec: ServerLaunchSpec): boolean {
  return log.includes(READY_LINE) && (spec.cluster === undefined || log.includes(ROUTES_LINE));
}

/**
 * Starts nats-server and resolves once this attempt's log says it is ready and /healthz answers
 * 200 (which also covers JetStream). Throws NatsServerStartError if it exits first or takes
 * longer than `spec.readyTimeoutMs` (it is then killed).
 */
export async function launchServer(spec: ServerLaunchSpec): Promise<ServerChild> {
  const logOffset = fileSize(spec.logFile);
  const stderrOffset = fileSize(stderrFile(spec));
  const fail = (reason: StartFailure, summary: string, exit: ExitInfo): NatsServerStartError => {
    const log = lastLines(readFrom(spec.logFile, logOffset), LOG_TAIL_LINES);
    const stderr = lastLines(readFrom(stderrFile(spec), stderrOffset), LOG_TAIL_LINES);
    return new NatsServerStartError(summary, {
      reason,
      serverName: spec.name,
      exitCode: exit.code,
      signal: exit.signal,
      logTail: [log === '' ? '(nothing logged)' : log, ...(stderr === '' ? [] : ['--- stderr ---', stderr])].join('\n'),
      logFile: spec.logFile,
    });
  };
  const server = await spawnServer(spec, fail);
  const where = `"${spec.name}" (client port ${spec.port}, monitor port ${spec.monitorPort}${spec.cluster ? `, cluster port ${spec.cluster.port}` : ''})`;
  const deadline = Date.now() + spec.readyTimeoutMs;
  for (;;) {
    const early = server.exitInfo();
    if (early !== undefined) throw fail(StartFailure.Exited, `nats-server ${where} exited during startup`, early);
    if (
      isReady(readFrom(spec.logFile, logOffset), spec) &&
      (await healthzOk(spec.monitorPort)) &&
      server.exitInfo() === undefined
    )
      return server;
    if (Date.now() >= deadline) {
      server.signal('SIGKILL');
      const exit = await keepAlive(server.exited);
      throw fail(StartFailure.Timeout, `nats-server ${where} was not ready within ${spec.readyTimeoutMs} ms`, exit);
    }
    await sleep(POLL_MS);
  }
}
