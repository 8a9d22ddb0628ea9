import { NatsServerStartError, StartFailure } from './errors.js';
import type { ExitInfo } from './exit-info.js';
import { lastLines, readFrom } from './log-file.js';
import { fetchMonitor, healthzOk } from './monitoring.js';
import type { Connz, MonitorQuery, Routez, Varz } from './monitoring.js';
import { removeTempDir } from './registry.js';
import { clusterUrl, launchServer } from './server-launch.js';
import type { ServerChild, ServerLaunchSpec } from './server-launch.js';
import { TIMED_OUT, keepAlive, sleep, within } from './wait.js';

/** How many routes a (re)started node should wait for; set by startNatsCluster. */
export type ExpectedRoutes = (server: NatsServerProcess) => number;

const STOP_GRACE_MS = 5_000;
const ROUTES_TIMEOUT_MS = 15_000;
const RESTART_ATTEMPTS = 3;

/** Launches, retrying only when the same ports are briefly still taken (restart right after a kill). */
async function launchOnSamePorts(spec: ServerLaunchSpec): Promise<ServerChild> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchServer(spec);
    } catch (error) {
      if (!(error instanceof NatsServerStartError && error.portInUse) || attempt >= RESTART_ATTEMPTS) throw error;
      await sleep(250 * attempt);
    }
  }
}

/**
 * A nats-server child process on loopback. Created by startNatsServer / startNatsCluster;
 * `restart()` brings it back on the same ports, so clients reconnect to the same URL.
 */
export class NatsServerProcess {
  readonly #spec: ServerLaunchSpec;
  readonly #expectedRoutes: ExpectedRoutes | undefined;
  #current: ServerChild;
  #paused = false;

  /** @internal use startNatsServer or startNatsCluster */
  constructor(spec: ServerLaunchSpec, current: ServerChild, expectedRoutes?: ExpectedRoutes) {
    this.#spec = spec;
    this.#current = current;
    this.#expectedRoutes = expectedRoutes;
  }

  get name(): string {
    return this.#spec.name;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.#spec.port}`;
  }

  get port(): number {
    return this.#spec.port;
  }

  get monitorPort(): number {
    return this.#spec.monitorPort;
  }

  get clusterPort(): number | undefined {
    return this.#spec.cluster?.port;
  }

  get clusterUrl(): string | undefined {
    return this.#spec.cluster === undefined ? undefined : clusterUrl(this.#spec.cluster.port);
  }

  /** The current process's pid (a restart changes it). */
  get pid(): number {
    return this.#current.pid;
  }

  get running(): boolean {
    return this.#current.exitInfo() === undefined;
  }

  /** Stopped with SIGSTOP (pause) and not yet continued. */
  get paused(): boolean {
    return this.#paused && this.running;
  }

  /** Settles when the current process exits. */
  get exited(): Promise<ExitInfo> {
    return keepAlive(this.#current.exited);
  }

  get logFile(): string {
    return this.#spec.logFile;
  }

  /** The harness-owned temp directory (config file, JetStream store). */
  get dir(): string {
    return this.#spec.dir;
  }

  get binary(): string {
    return this.#spec.binary;
  }

  /** SIGTERM, wait for the exit, SIGKILL if it takes longer than `graceMs`. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    const current = this.#current;
    if (current.exitInfo() !== undefined) return;
    current.signal('SIGTERM');
    this.#continueIfPaused();
    if ((await within(current.exited, graceMs)) === TIMED_OUT) {
      current.signal('SIGKILL');
      await keepAlive(current.exited);
    }
  }

  /** Sends `signal`; for SIGKILL and SIGTERM resolves once the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const current = this.#current;
    if (current.exitInfo() !== undefined) return;
    current.signal(signal);
    if (signal === 'SIGSTOP') {
      this.#paused = true;
      return;
    }
    if (signal === 'SIGCONT') this.#paused = false;
    else if (signal !== 'SIGKILL') this.#continueIfPaused();
    if (signal === 'SIGKILL' || signal === 'SIGTERM') await keepAlive(current.exited);
  }

  /** SIGSTOP: the server keeps its sockets but stops answering, like a hung host. */
  pause(): void {
    if (!this.running) return;
    this.#current.signal('SIGSTOP');
    this.#paused = true;
  }

  /** SIGCONT after pause(). */
  resume(): void {
    if (!this.running) return;
    this.#current.signal('SIGCONT');
    this.#paused = false;
  }

  // A stopped process handles catchable signals only once continued.
  #continueIfPaused(): void {
    if (!this.#paused) return;
    this.#current.signal('SIGCONT');
    this.#paused = false;
  }

  /**
   * Stops the server if it runs, starts it again on the same client, monitor and cluster ports,
   * and waits until it is ready (and, in a cluster, routed to the other running nodes).
   */
  async restart(): Promise<void> {
    await this.stop();
    this.#paused = false;
    this.#current = await launchOnSamePorts(this.#spec);
    const expected = this.#expectedRoutes?.(this) ?? 0;
    if (expected > 0) await this.waitForRoutes(expected);
  }

  /** Waits until /routez reports at least `min` routes. */
  async waitForRoutes(min: number, timeoutMs = ROUTES_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen: number;
    for (;;) {
      seen = await this.routez().then(
        (routez) => routez.num_routes,
        () => -1,
      );
      if (seen >= min) return;
      if (Date.now() >= deadline || !this.running) break;
      await sleep(100);
    }
    const exit = this.#current.exitInfo();
    throw new NatsServerStartError(
      `nats-server "${this.name}" has ${seen < 0 ? 'no readable' : seen} routes, wanted ${min} within ${timeoutMs} ms`,
      {
        reason: StartFailure.RoutesTimeout,
        serverName: this.name,
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        logTail: this.logTail(40),
        logFile: this.logFile,
      },
    );
  }

  /** Whether /healthz answers 200 now. */
  healthz(): Promise<boolean> {
    return healthzOk(this.#spec.monitorPort);
  }

  varz(): Promise<Varz> {
    return fetchMonitor<Varz>(this.#spec.monitorPort, 'varz');
  }

  connz(query?: MonitorQuery): Promise<Connz> {
    return fetchMonitor<Connz>(this.#spec.monitorPort, 'connz', query);
  }

  routez(): Promise<Routez> {
    return fetchMonitor<Routez>(this.#spec.monitorPort, 'routez');
  }

  /** The last `lines` lines of the server's log (all starts of this server). */
  logTail(lines = 50): string {
    return lastLines(readFrom(this.#spec.logFile), lines);
  }

  /** stop(), then remove the harness-owned temp directory (its log too, unless logDir was set). */
  async dispose(): Promise<void> {
    await this.stop();
    await removeTempDir(this.#spec.dir);
  }
}
