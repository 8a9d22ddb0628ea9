import { fileURLToPath } from 'node:url';
import { spawnTracked } from '@cohort/nats-harness';
import type { TrackedProcess } from '@cohort/nats-harness';
import type { Command, MemberEvent } from './messages.js';
import { EVENT_PREFIX, parseEventLine } from './messages.js';

const memberScript = fileURLToPath(new URL('./member.js', import.meta.url));
const HELLO_TIMEOUT_MS = 20_000;
const EXIT_TIMEOUT_MS = 15_000;

export interface MemberSettings {
  readonly name: string;
  readonly natsUrl: string;
  readonly namespace: string;
}

/** The driver's handle on one member process: one command at a time, each answered by one event. */
export class MemberClient {
  readonly #proc: TrackedProcess;
  /** Index in the process's stdout lines of the first line not looked at yet. */
  #nextLine = 0;

  private constructor(
    readonly name: string,
    proc: TrackedProcess,
  ) {
    this.#proc = proc;
  }

  static async spawn(settings: MemberSettings): Promise<MemberClient> {
    const proc = spawnTracked(process.execPath, [memberScript], {
      name: `bench member ${settings.name}`,
      stdin: true,
      env: {
        BENCH_NATS_URL: settings.natsUrl,
        BENCH_NAMESPACE: settings.namespace,
        BENCH_MEMBER_NAME: settings.name,
      },
    });
    const member = new MemberClient(settings.name, proc);
    const hello = await member.#nextEvent(HELLO_TIMEOUT_MS);
    if (hello.event !== 'hello') throw new Error(`member ${settings.name} started with ${JSON.stringify(hello)}`);
    return member;
  }

  get pid(): number {
    return this.#proc.pid;
  }

  /** Sends `command` and resolves with the member's answer; rejects if none comes within `timeoutMs`. */
  async request(command: Command, timeoutMs: number): Promise<MemberEvent> {
    if (!this.#proc.running) throw new Error(`member ${this.name} is not running${this.#stderrTail()}`);
    this.#proc.writeLine(JSON.stringify(command));
    return this.#nextEvent(timeoutMs, command.cmd);
  }

  /** Asks the member to close its connections and exit; kills it if it does not within a while. */
  async exit(): Promise<void> {
    if (this.#proc.running) {
      await this.request({ cmd: 'exit' }, EXIT_TIMEOUT_MS).catch(() => undefined);
      await this.#proc.stop(EXIT_TIMEOUT_MS);
    }
  }

  async #nextEvent(timeoutMs: number, after = 'start'): Promise<MemberEvent> {
    const line = await this.#proc
      .waitForLine((l) => l.startsWith(EVENT_PREFIX), timeoutMs, { from: this.#nextLine })
      .catch((error: unknown) => {
        throw new Error(
          `member ${this.name} did not answer '${after}' within ${timeoutMs} ms: ${(error as Error).message}`,
        );
      });
    this.#nextLine = this.#proc.lines.indexOf(line, this.#nextLine) + 1;
    return parseEventLine(line) as MemberEvent;
  }

  #stderrTail(): string {
    const stderr = this.#proc.stderr.trim();
    return stderr === '' ? '' : `:\n${stderr.split('\n').slice(-20).join('\n')}`;
  }
}
