import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type { ExitInfo } from './exit-info.js';
import { LineBuffer } from './line-buffer.js';
import type { LineMatcher } from './line-buffer.js';
import { lastLines } from './log-file.js';
import { ChildKind, registerChild } from './registry.js';
import { TIMED_OUT, within } from './wait.js';

export interface SpawnOptions {
  /** Added to (and overriding) the current environment. */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Opens a stdin pipe for writeLine(); otherwise stdin is /dev/null. */
  readonly stdin?: boolean;
  /** Shown in liveChildren() and error messages; the command's basename by default. */
  readonly name?: string;
}

export interface WaitForLineOptions {
  /** Only consider lines with this index or later, e.g. `proc.lines.length` for new lines only. */
  readonly from?: number;
}

const STDERR_LIMIT = 1024 * 1024;
const STOP_GRACE_MS = 5_000;
// A grandchild that inherited stdout can keep the pipe open after the child exited.
const STDIO_DRAIN_MS = 1_000;

/**
 * A child process started by spawnTracked: stdout is split into lines (kept in `lines`, waited on
 * with `waitForLine`), stderr is collected, and the harness kills it at cleanup if it still runs.
 */
export class TrackedProcess {
  readonly pid: number;
  readonly name: string;
  /** Settles once the process exited and its output was read; never rejects. */
  readonly exited: Promise<ExitInfo>;
  readonly #child: ChildProcess;
  readonly #stdout = new LineBuffer();
  #stderr = '';
  #exit: ExitInfo | undefined;
  #paused = false;

  /** @internal use spawnTracked */
  constructor(child: ChildProcess, pid: number, name: string) {
    this.#child = child;
    this.pid = pid;
    this.name = name;
    child.on('error', () => undefined);
    // Writing to a child that already exited fails with EPIPE; that must not crash the test run.
    child.stdin?.on('error', () => undefined);
    if (child.stdout !== null) {
      createInterface({ input: child.stdout, crlfDelay: Infinity })
        .on('line', (line) => this.#stdout.push(line))
        .on('close', () => this.#stdout.close());
    } else {
      this.#stdout.close();
    }
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_LIMIT);
    });
    const processGone = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
    });
    const outputRead = new Promise<void>((resolve) => child.once('close', () => resolve()));
    this.exited = processGone.then(async (exit) => {
      await within(outputRead, STDIO_DRAIN_MS);
      this.#stdout.close();
      return exit;
    });
    registerChild({
      pid,
      kind: ChildKind.Process,
      name,
      signal: (signal) => this.#signal(signal),
      exited: processGone,
    });
  }

  /** stdout lines so far (live: grows as the process prints). */
  get lines(): readonly string[] {
    return this.#stdout.lines;
  }

  /** Every stdout line from the first, then new ones until stdout ends. */
  get stdoutLines(): AsyncIterable<string> {
    return this.#stdout;
  }

  /** stderr so far (the last MiB). */
  get stderr(): string {
    return this.#stderr;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  get paused(): boolean {
    return this.#paused && this.running;
  }

  /** How it ended, once it has. */
  get exitInfo(): ExitInfo | undefined {
    return this.#exit;
  }

  /** Calls `listener` with every future stdout line; returns the unsubscribe function. */
  onLine(listener: (line: string) => void): () => void {
    return this.#stdout.onLine(listener);
  }

  /**
   * The first stdout line (already printed, or printed later) that matches. Rejects if stdout
   * ends first or after `timeoutMs`, with the recent output and stderr in the message.
   */
  waitForLine(match: LineMatcher, timeoutMs = 10_000, options: WaitForLineOptions = {}): Promise<string> {
    return this.#stdout.waitFor(match, timeoutMs, options.from ?? 0, () => this.#describe());
  }

  #describe(): string {
    const state =
      this.#exit === undefined
        ? 'still running'
        : `exited with code ${this.#exit.code ?? 'none'}, signal ${this.#exit.signal ?? 'none'}`;
    const stdout = lastLines(this.#stdout.lines.join('\n'), 20);
    const stderr = lastLines(this.#stderr, 20);
    return ` (${this.name}, pid ${this.pid}, ${state})\n--- stdout (tail) ---\n${stdout}\n--- stderr (tail) ---\n${stderr}`;
  }

  #signal(signal: NodeJS.Signals): void {
    if (this.#exit === undefined) this.#child.kill(signal);
  }

  /** Sends `signal`; for SIGKILL and SIGTERM resolves once the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.#exit !== undefined) return;
    this.#signal(signal);
    if (signal === 'SIGSTOP') {
      this.#paused = true;
      return;
    }
    if (signal !== 'SIGKILL') this.resume();
    if (signal === 'SIGKILL' || signal === 'SIGTERM') await this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = STOP_GRACE_MS): Promise<ExitInfo> {
    if (this.#exit === undefined) {
      this.#signal('SIGTERM');
      this.resume();
      if ((await within(this.exited, graceMs)) === TIMED_OUT) this.#signal('SIGKILL');
    }
    return this.exited;
  }

  pause(): void {
    if (this.#exit !== undefined) return;
    this.#signal('SIGSTOP');
    this.#paused = true;
  }

  resume(): void {
    if (this.#exit !== undefined || !this.#paused) return;
    this.#signal('SIGCONT');
    this.#paused = false;
  }

  /** Writes `text` and a newline to stdin (needs `stdin: true`). */
  writeLine(text: string): void {
    const stdin = this.#child.stdin;
    if (stdin === null) throw new Error(`${this.name} was spawned without stdin: pass { stdin: true } to spawnTracked`);
    stdin.write(`${text}\n`);
  }
}

/** Spawns `command` with piped stdout/stderr and registers it for cleanup. */
export function spawnTracked(
  command: string,
  args: readonly string[] = [],
  options: SpawnOptions = {},
): TrackedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: [options.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: false,
  });
  const name = options.name ?? basename(command);
  if (child.pid === undefined) {
    // The reason (ENOENT, EACCES) only arrives as an 'error' event on a later tick.
    child.on('error', () => undefined);
    // Writing to a child that already exited fails with EPIPE; that must not crash the test run.
    child.stdin?.on('error', () => undefined);
    throw new Error(`spawnTracked: could not start ${command} (not found or not executable)`);
  }
  return new TrackedProcess(child, child.pid, name);
}
