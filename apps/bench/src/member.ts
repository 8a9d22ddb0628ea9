import { createInterface } from 'node:readline';
import { connect as cohortConnect } from '@cohort/nats';
import type { NatsCohortNode } from '@cohort/nats';
import { connect as natsConnect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { prepareCohort } from './cohort.js';
import { prepareJetStream } from './jetstream.js';
import { prepareJoiner } from './joiner.js';
import type { Command, MemberEvent, MemberResult, ScenarioSpec, TrafficSpec } from './messages.js';
import { FIRST_MEMBER } from './messages.js';
import { eventLine } from './messages.js';
import { prepareRaw } from './raw-nats.js';
import type { PreparedScenario } from './scenario.js';
import { ScenarioUnavailableError } from './scenario.js';

/**
 * One bench member process. It keeps one plain NATS connection for the baselines and, from the
 * first Cohort scenario on, one Cohort node (its own connection), so that every measurement of a
 * run uses the same processes. It runs the driver's commands one at a time, in order.
 */

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`member: ${name} is not set (the bench driver sets it)`);
  return value;
}

const servers = env('BENCH_NATS_URL');
const namespace = env('BENCH_NAMESPACE');
const name = env('BENCH_MEMBER_NAME');

function emit(event: MemberEvent): void {
  process.stdout.write(`${eventLine(event)}\n`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Connection events (disconnects, slow-consumer notices, server errors) seen since the last take(). */
class ConnectionEvents {
  #seen = new Map<string, number>();

  watch(nc: NatsConnection, label: string): void {
    void (async () => {
      for await (const status of nc.status()) {
        // Client pings are routine; a close is the member's own at exit.
        if (status.type === 'ping' || status.type === 'close') continue;
        const key = `${label} ${status.type}`;
        this.#seen.set(key, (this.#seen.get(key) ?? 0) + 1);
      }
    })();
  }

  take(): string | undefined {
    const seen = [...this.#seen].map(([type, n]) => `${type} ×${n}`);
    this.#seen.clear();
    return seen.length === 0 ? undefined : `connection events: ${seen.join(', ')}`;
  }
}

/** Whether this member sends in a traffic scenario: all do, or only the first. */
function sends(spec: TrafficSpec): boolean {
  return spec.senders === 'all' || name === FIRST_MEMBER;
}

/** CPU time and the largest RSS of this process while a scenario runs. */
class ResourceSampler {
  readonly #cpu = process.cpuUsage();
  #rssMax = process.memoryUsage.rss();
  readonly #timer = setInterval(() => {
    this.#rssMax = Math.max(this.#rssMax, process.memoryUsage.rss());
  }, 50);

  stop(): { rssMaxBytes: number; cpuUs: number } {
    clearInterval(this.#timer);
    const cpu = process.cpuUsage(this.#cpu);
    return { rssMaxBytes: Math.max(this.#rssMax, process.memoryUsage.rss()), cpuUs: cpu.user + cpu.system };
  }
}

class Member {
  #scenario: PreparedScenario | undefined;
  #node: NatsCohortNode | undefined;
  readonly #events = new ConnectionEvents();

  constructor(readonly nc: NatsConnection) {
    this.#events.watch(nc, 'nats');
  }

  async run(command: Command): Promise<MemberEvent> {
    switch (command.cmd) {
      case 'prepare':
        if (this.#scenario !== undefined) return { event: 'failed', reason: 'a scenario is already prepared' };
        this.#events.take();
        this.#scenario = await this.#prepare(command.spec);
        return { event: 'ready' };
      case 'go': {
        if (this.#scenario === undefined) return { event: 'failed', reason: 'go before prepare' };
        const usage = new ResourceSampler();
        const answer = await this.#scenario.go();
        const resources = usage.stop();
        return answer.event === 'done'
          ? { event: 'done', result: { ...this.#withConnectionEvents(answer.result), ...resources } }
          : answer;
      }
      case 'finish': {
        const scenario = this.#scenario;
        this.#scenario = undefined;
        await scenario?.finish();
        return { event: 'finished' };
      }
      case 'exit':
        await this.#node?.close();
        await this.nc.drain();
        return { event: 'bye' };
    }
  }

  async #prepare(spec: ScenarioSpec): Promise<PreparedScenario> {
    switch (spec.kind) {
      case 'raw':
        return prepareRaw(this.nc, spec, sends(spec));
      case 'jetstream':
        return prepareJetStream(this.nc, spec, sends(spec));
      case 'cohort':
        return prepareCohort(await this.#cohortNode(), spec, sends(spec));
      case 'joiner':
        return prepareJoiner(await this.#cohortNode(), spec);
    }
  }

  async #cohortNode(): Promise<NatsCohortNode> {
    if (this.#node === undefined) {
      this.#node = await cohortConnect({ servers, namespace, name });
      this.#events.watch(this.#node.connection, 'cohort');
    }
    return this.#node;
  }

  #withConnectionEvents(result: MemberResult): MemberResult {
    const events = this.#events.take();
    if (events === undefined) return result;
    return { ...result, note: result.note === undefined ? events : `${result.note}; ${events}` };
  }
}

async function main(): Promise<void> {
  const member = new Member(await natsConnect({ servers, name: `bench-${name}` }));
  emit({ event: 'hello', name, pid: process.pid });
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    const command = JSON.parse(line) as Command;
    try {
      emit(await member.run(command));
    } catch (error) {
      emit(
        error instanceof ScenarioUnavailableError
          ? { event: 'unavailable', reason: error.message }
          : { event: 'failed', reason: describe(error) },
      );
    }
    if (command.cmd === 'exit') return;
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench member ${name} failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
