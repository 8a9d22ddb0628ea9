/** How to get nats-server, spelled out so that a failing test tells the reader what to run. */
export const NATS_SERVER_INSTALL_HINT = [
  'Install nats-server, then run the command again:',
  '  Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y nats-server',
  '  as root, from the repository root: bash scripts/ensure-nats-server.sh (installs it with apt-get)',
  '  elsewhere: download it from https://github.com/nats-io/nats-server/releases and set NATS_SERVER_BIN=/path/to/nats-server',
].join('\n');

/** nats-server is not where the harness looks (or NATS_SERVER_BIN names something unusable). */
export class NatsServerNotFoundError extends Error {
  override readonly name = 'NatsServerNotFoundError';

  constructor(readonly detail: string) {
    super(`nats-server not found: ${detail}\n${NATS_SERVER_INSTALL_HINT}`);
  }
}

export const StartFailure = {
  /** The binary could not be executed at all. */
  SpawnFailed: 'spawn-failed',
  /** The process exited before it was ready. */
  Exited: 'exited',
  /** The process did not become ready in time and was killed. */
  Timeout: 'timeout',
  /** A cluster started, but its routes did not form in time. */
  RoutesTimeout: 'routes-timeout',
} as const;
export type StartFailure = (typeof StartFailure)[keyof typeof StartFailure];

export interface NatsServerStartErrorDetails {
  readonly reason: StartFailure;
  readonly serverName: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The server's log written by this start attempt (last lines), plus anything it wrote to stderr. */
  readonly logTail: string;
  readonly logFile: string;
}

/** A nats-server did not become ready; the message carries the log tail so CI output explains why. */
export class NatsServerStartError extends Error {
  override readonly name = 'NatsServerStartError';
  readonly reason: StartFailure;
  readonly serverName: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly logTail: string;
  readonly logFile: string;

  constructor(summary: string, details: NatsServerStartErrorDetails) {
    super(
      `${summary} (exit code ${details.exitCode ?? 'none'}, signal ${details.signal ?? 'none'}; log file ${details.logFile})\n--- nats-server log (tail) ---\n${details.logTail}`,
    );
    this.reason = details.reason;
    this.serverName = details.serverName;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.logTail = details.logTail;
    this.logFile = details.logFile;
  }

  /** Another process bound one of our ports between allocation and the server's bind: worth retrying. */
  get portInUse(): boolean {
    return /address already in use/i.test(this.logTail);
  }
}
