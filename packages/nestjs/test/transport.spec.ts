import 'reflect-metadata';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Inject, Injectable, Module } from '@nestjs/common';
import type { INestApplicationContext, INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule, Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { connect as natsConnect } from '@nats-io/transport-node';
import { silentLogger, startNatsServer, stopAllNatsServers, waitUntil as until } from '@cohort/nats-harness';
import type { NatsServerProcess } from '@cohort/nats-harness';
import { ConfigurationError, InvalidNameError } from '@cohort/nats';
import type { Group, View } from '@cohort/nats';
import { firstValueFrom, lastValueFrom, timer, map } from 'rxjs';
import {
  ClientClosedError,
  CohortClient,
  CohortContext,
  CohortModule,
  CohortServer,
  GroupMember,
  IngressRejectedError,
  InjectGroup,
  InvalidPacketError,
  NoMembersError,
  OnMessage,
  PatternHandlerError,
  RequestTimeoutError,
} from '../src/index.js';
import type { CohortServerOptions, DeliveryContext, EmitReceipt } from '../src/index.js';

// CohortServer and CohortClient over a real nats-server, in one process: Nest microservices
// whose @EventPattern/@MessagePattern handlers receive a total-order group's deliveries, and a
// client that sends into the group from outside it.

const silent = silentLogger;
// Faster membership than the defaults, but slow enough failure detection for a loaded 2-core
// machine running four Nest applications in one event loop (nobody fails in these tests).
const timers = {
  joinTimeoutMs: 500,
  heartbeatMs: 50,
  suspectAfterMs: 400,
  verifyTimeoutMs: 200,
  tickMs: 10,
  nakIntervalMs: 20,
  digestIntervalMs: 20,
  flushRetryMs: 50,
} as const;
const GROUP = 'ledger';

interface Entry {
  pattern: string;
  n: number;
  sender: string;
  viewId: number;
  seq: number;
}

@Controller()
class LedgerController {
  readonly log: Entry[] = [];
  readonly special: number[] = [];
  readonly specialByString: number[] = [];
  balance = 0;
  localReads = 0;

  private note(pattern: string, n: number, ctx: CohortContext): void {
    this.log.push({ pattern, n, sender: ctx.getSender(), viewId: ctx.getViewId(), seq: ctx.getSeq() });
  }

  @EventPattern<string>('tick')
  tick(@Payload() data: { n: number }, @Ctx() ctx: CohortContext): void {
    this.note('tick', data.n, ctx);
  }

  /** Takes a while, differently at each member: the next delivery must still wait for it. */
  @EventPattern<string>('slow')
  async slow(@Payload() data: { n: number }, @Ctx() ctx: CohortContext): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 5)));
    this.note('slow', data.n, ctx);
  }

  /** An observable handler: awaited until it completes. */
  @EventPattern<string>('stream')
  stream(@Payload() data: { n: number }, @Ctx() ctx: CohortContext) {
    return timer(Math.floor(Math.random() * 5)).pipe(map(() => this.note('stream', data.n, ctx)));
  }

  @EventPattern<string>('boom')
  boom(@Payload() data: { n: number }, @Ctx() ctx: CohortContext): void {
    this.note('boom', data.n, ctx);
    throw new Error(`boom ${data.n}`);
  }

  @EventPattern({ group: GROUP, type: 'special' })
  specialOfLedger(@Payload() data: { n: number }): void {
    this.special.push(data.n);
  }

  @EventPattern<string>('special')
  specialAnywhere(@Payload() data: { n: number }): void {
    this.specialByString.push(data.n);
  }

  /** A replicated command: every member applies it; the entry member's result is the answer. */
  @MessagePattern('deposit')
  deposit(@Payload() data: { amount: number }, @Ctx() ctx: CohortContext) {
    this.balance += data.amount;
    return { balance: this.balance, origin: ctx.isOrigin(), sender: ctx.getSender() };
  }

  @MessagePattern('countdown')
  countdown(@Payload() data: { from: number }) {
    return timer(1).pipe(map(() => data.from));
  }

  @MessagePattern('fail')
  fail(): never {
    throw new Error('the handler refuses');
  }

  @MessagePattern('balance', { local: true })
  read(@Ctx() ctx: CohortContext) {
    this.localReads++;
    return { balance: this.balance, local: ctx.isLocal(), seq: ctx.getSeq() };
  }
}

@Module({ controllers: [LedgerController] })
class LedgerModule {}

let nats: NatsServerProcess;
const closers: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  nats = await startNatsServer({ name: 'nestjs-transport' });
});

afterAll(async () => {
  await stopAllNatsServers();
});

function serverOptions(namespace: string, name: string, extra: Partial<CohortServerOptions> = {}): CohortServerOptions {
  return {
    servers: nats.url,
    namespace,
    name,
    logger: silent,
    ...timers,
    groups: { [GROUP]: { ordering: 'total' } },
    ...extra,
  };
}

interface Member {
  readonly app: INestMicroservice;
  readonly server: CohortServer;
  readonly ledger: LedgerController;
  readonly views: View[];
  readonly errors: Error[];
  readonly id: string;
}

async function member(namespace: string, name: string): Promise<Member> {
  const server = new CohortServer(serverOptions(namespace, name));
  const views: View[] = [];
  const errors: Error[] = [];
  server.on('view', (v) => views.push(v));
  server.on('error', (e) => errors.push(e));
  const app = await NestFactory.createMicroservice(LedgerModule, { strategy: server, logger: false });
  await app.listen();
  closers.push(() => app.close());
  return { app, server, ledger: app.get(LedgerController), views, errors, id: server.unwrap<{ id: string }>().id };
}

/** The first member forms the group; the others join it together. */
async function members(namespace: string, count: number): Promise<Member[]> {
  const first = await member(namespace, 'm1');
  const rest = await Promise.all(Array.from({ length: count - 1 }, (_, i) => member(namespace, `m${i + 2}`)));
  const all = [first, ...rest];
  await until(() => all.every((m) => m.views.at(-1)?.members.length === count), 15_000, `a view of ${count}`);
  return all;
}

function client(namespace: string, group = GROUP): CohortClient {
  const c = new CohortClient({ servers: nats.url, namespace, group, timeoutMs: 5_000 });
  closers.push(() => c.close());
  return c;
}

async function closeAll(): Promise<void> {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
}

describe('CohortServer and CohortClient, three members of a total-order group', () => {
  const ns = 'transport';
  let all: Member[];
  let c: CohortClient;

  beforeAll(async () => {
    all = await members(ns, 3);
    c = client(ns);
  }, 30_000);

  afterAll(closeAll);

  const entries = (m: Member, patterns: readonly string[]) => m.ledger.log.filter((e) => patterns.includes(e.pattern));

  it('emits complete once the event is in the group, and every member runs the handlers in one order', async () => {
    const patterns = ['tick', 'slow', 'stream', 'boom'] as const;
    const receipts = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        lastValueFrom(c.emit<EmitReceipt>(patterns[i % patterns.length]!, { n: i })),
      ),
    );
    const ids = all.map((m) => m.id);
    for (const r of receipts) {
      expect(r.group).toBe(GROUP);
      expect(ids).toContain(r.sender);
    }
    await until(() => all.every((m) => entries(m, patterns).length === 40), 10_000, 'every event handled everywhere');
    const [first, ...others] = all.map((m) => entries(m, patterns));
    for (const log of others) expect(log).toEqual(first);
    expect(new Set(first!.map((e) => e.n)).size).toBe(40);
    // Each emit's receipt names the delivery it became.
    for (const r of receipts) {
      expect(first).toContainEqual(expect.objectContaining({ sender: r.sender, viewId: r.viewId, seq: r.seq }));
    }
    // The ten throwing handlers were reported, and did not stop the group.
    for (const m of all) {
      const failures = m.errors.filter((e) => e instanceof PatternHandlerError);
      expect(failures).toHaveLength(10);
      expect(failures[0]).toMatchObject({ name: 'PatternHandlerError', group: GROUP, pattern: 'boom' });
    }
  });

  it('answers a request with the entry member’s handler result, after every member applied it', async () => {
    const before = all[0]!.ledger.balance;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        lastValueFrom(c.send<{ balance: number; origin: boolean; sender: string }>('deposit', { amount: 1 })),
      ),
    );
    // Each answer is the result of its own delivery: ten distinct balances, in the one order.
    expect(answers.map((a) => a.balance).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 10 }, (_, i) => before + i + 1),
    );
    for (const a of answers) {
      expect(a.origin).toBe(true);
      expect(all.map((m) => m.id)).toContain(a.sender);
    }
    await until(() => all.every((m) => m.ledger.balance === before + 10), 10_000, 'the deposits applied everywhere');
  });

  it('streams an observable answer, and answers a failing handler with its error', async () => {
    await expect(lastValueFrom(c.send('countdown', { from: 7 }))).resolves.toBe(7);
    await expect(lastValueFrom(c.send('fail', {}))).rejects.toMatchObject({ status: 'error' });
  });

  it('answers a { local: true } request at the entry member alone, without a multicast', async () => {
    const balances = all.map((m) => m.ledger.balance);
    const reads = all.map((m) => m.ledger.localReads);
    const answer = await lastValueFrom(c.send<{ balance: number; local: boolean; seq: number }>('balance', {}));
    expect(answer).toEqual({ balance: balances[0], local: true, seq: 0 });
    const total = all.reduce((sum, m, i) => sum + m.ledger.localReads - reads[i]!, 0);
    expect(total).toBe(1);
  });

  it('routes { group, type } patterns before string patterns, and application multicasts like client events', async () => {
    await lastValueFrom(c.emit('special', { n: 1 }));
    await all[1]!.server.group(GROUP).multicast({ n: 2 }, { type: 'special' });
    await all[2]!.server.group(GROUP).multicast({ n: 1000 }, { type: 'tick' });
    await until(() => all.every((m) => m.ledger.special.length === 2), 10_000, 'special everywhere');
    await until(() => all.every((m) => m.ledger.log.some((e) => e.n === 1000)), 10_000, 'tick everywhere');
    for (const m of all) {
      expect(m.ledger.special).toEqual([1, 2]);
      expect(m.ledger.specialByString).toEqual([]);
    }
  });

  it('rejects packets whose pattern is not a delivery type, at the client and at the member', async () => {
    await expect(lastValueFrom(c.emit({ cmd: 'tick' }, { n: 1 }))).rejects.toBeInstanceOf(InvalidPacketError);
    const nc = await natsConnect({ servers: nats.url });
    try {
      const subject = `cohort.${ns}.in.${GROUP}`;
      const object = await nc.request(subject, JSON.stringify({ pattern: { group: GROUP }, data: 1 }), {
        timeout: 5_000,
      });
      expect(object.json()).toMatchObject({ failure: { name: 'InvalidPacketError' } });
      const garbage = await nc.request(subject, 'not json', { timeout: 5_000 });
      expect(garbage.json()).toMatchObject({ failure: { name: 'InvalidPacketError' } });
    } finally {
      await nc.close();
    }
    expect(all.reduce((sum, m) => sum + m.server.stats.get('invalid-packet'), 0)).toBe(2);
    // A request nobody handles is refused before it reaches the group.
    const refused = await lastValueFrom(c.send('nobody-handles-this', {})).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IngressRejectedError);
    expect(refused).toMatchObject({ group: GROUP, pattern: 'nobody-handles-this', reason: 'NoHandlerError' });
  });
});

describe('CohortClient without members', () => {
  afterEach(closeAll);

  it('fails an emit with NoMembersError when no CohortServer of the group listens', async () => {
    const c = client('transport-empty', 'nobody');
    const error = await lastValueFrom(c.emit('tick', { n: 1 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoMembersError);
    expect(error).toMatchObject({ name: 'NoMembersError', group: 'nobody', pattern: 'tick' });
    await expect(lastValueFrom(c.send('deposit', { amount: 1 }))).rejects.toBeInstanceOf(NoMembersError);
  });
});

describe('CohortClient facing a member that does not answer', () => {
  afterEach(closeAll);

  it('fails with RequestTimeoutError after timeoutMs, and with ClientClosedError when closed meanwhile', async () => {
    const ns = 'transport-silent';
    const nc = await natsConnect({ servers: nats.url });
    closers.push(() => nc.close());
    // Takes the group's packets like a member would, and never answers.
    nc.subscribe(`cohort.${ns}.in.${GROUP}`, { queue: 'cohort', callback: () => undefined });
    await nc.flush();
    const hurried = new CohortClient({ servers: nats.url, namespace: ns, group: GROUP, timeoutMs: 200 });
    closers.push(() => hurried.close());
    const timedOut = await lastValueFrom(hurried.emit('tick', { n: 1 })).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(RequestTimeoutError);
    expect(timedOut).toMatchObject({ group: GROUP, pattern: 'tick', timeoutMs: 200 });

    const patient = client(ns);
    await patient.connect();
    const pending = lastValueFrom(patient.send('deposit', { amount: 1 })).catch((e: unknown) => e);
    await until(
      () => patient.unwrap<{ stats(): { outMsgs: number } }>().stats().outMsgs > 0,
      5_000,
      'the request sent',
    );
    await patient.close();
    expect(await pending).toBeInstanceOf(ClientClosedError);
  });
});

describe('options', () => {
  it('fail at construction with a message that says what to fix', () => {
    const base = { servers: 'nats://127.0.0.1:1', namespace: 'ns' };
    expect(() => new CohortServer({ ...base, groups: [] })).toThrow(/groups: is empty/);
    expect(() => new CohortServer({ ...base } as CohortServerOptions)).toThrow(/no groups given/);
    expect(() => new CohortServer({ ...base, groups: ['a.b'] })).toThrow(InvalidNameError);
    expect(() => new CohortServer({ ...base, groups: ['$x'] })).toThrow(/reserved/);
    expect(() => new CohortServer({ ...base, groups: ['g'], grups: ['g'] } as CohortServerOptions)).toThrow(
      /options.grups: unknown option/,
    );
    expect(
      () => new CohortServer({ ...base, groups: { g: { ordering: 'totla' } } } as unknown as CohortServerOptions),
    ).toThrow(/groups.g.ordering: "totla" is not one of fifo, causal, total/);
    expect(() => new CohortServer({ ...base, groups: { g: { order: 'total' } } } as CohortServerOptions)).toThrow(
      /groups.g.order: unknown option/,
    );
    expect(() => new CohortServer({ ...base, groups: ['g'], tickMs: 0 })).toThrow(ConfigurationError);
    expect(() => new CohortClient({ ...base, group: 'a b' })).toThrow(InvalidNameError);
    expect(() => new CohortClient({ ...base, group: 'g', timeoutMs: -1 })).toThrow(/timeoutMs: must be a positive/);
    expect(() => new CohortClient({ ...base, group: 'g', queue: 'x' } as never)).toThrow(/queue: unknown option/);
  });

  it('fail listen() when an object pattern names a group the server is not in', async () => {
    @Controller()
    class Elsewhere {
      @EventPattern({ group: 'other', type: 'x' })
      handle(): void {}
    }
    @Module({ controllers: [Elsewhere] })
    class ElsewhereModule {}
    const server = new CohortServer(serverOptions('transport-bad', 'm'));
    const app = await NestFactory.createMicroservice(ElsewhereModule, { strategy: server, logger: false });
    await expect(app.listen()).rejects.toThrow(/an object pattern is \{ group, type\? \}/);
    await app.close();
  });
});

@GroupMember(GROUP, { ordering: 'total' })
@Injectable()
class ModuleMember {
  readonly seen: number[] = [];
  constructor(@InjectGroup(GROUP) readonly group: Group<{ n: number }>) {}

  @OnMessage('tick')
  tick(payload: { n: number }, ctx: DeliveryContext): void {
    if (ctx.type === 'tick') this.seen.push(payload.n);
  }
}

describe('a group of CohortServer members and a CohortModule member', () => {
  afterEach(closeAll);

  it('interoperates: both see client events in one order, and module multicasts reach @EventPattern', async () => {
    const ns = 'transport-mixed';
    const servers = await members(ns, 2);
    const moduleRef = await Test.createTestingModule({
      imports: [CohortModule.forRoot({ servers: nats.url, namespace: ns, name: 'module', logger: silent, ...timers })],
      providers: [ModuleMember],
    }).compile();
    moduleRef.useLogger(false);
    const ctx: INestApplicationContext = await moduleRef.init();
    closers.push(() => ctx.close());
    const mod = ctx.get(ModuleMember);
    await until(() => servers.every((s) => s.views.at(-1)?.members.length === 3), 15_000, 'a view of three');

    const c = client(ns);
    for (let n = 1; n <= 20; n++) await lastValueFrom(c.emit('tick', { n }));
    await mod.group.multicast({ n: 21 }, { type: 'tick' });
    const ticks = (s: Member) => s.ledger.log.filter((e) => e.pattern === 'tick').map((e) => e.n);
    await until(() => mod.seen.length === 21 && servers.every((s) => ticks(s).length === 21), 10_000, 'all ticks');
    for (const s of servers) expect(ticks(s)).toEqual(mod.seen);
    expect(mod.seen.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

    // A CohortServer that closes leaves the group: the others see it in `left`, not `failed`.
    const [leaving, staying] = servers as [Member, Member];
    await leaving.app.close();
    await until(() => staying.views.at(-1)?.members.length === 2, 10_000, 'a view without the leaver');
    expect(staying.views.at(-1)).toMatchObject({ left: [leaving.id], failed: [] });
  }, 30_000);
});

/** Application state outside the controller, so that the server's options can name it before the app exists. */
class Totals {
  total = 0;
  readonly added: number[] = [];
  snapshot(): { total: number; added: number[] } {
    return { total: this.total, added: [...this.added] };
  }
  restore(state: { total: number; added: number[] }): void {
    this.total = state.total;
    this.added.push(...state.added);
  }
}

@Controller()
class TotalsController {
  constructor(@Inject(Totals) private readonly totals: Totals) {}

  /** Slow on purpose: when the joiner's state is taken, these handlers are still queued. */
  @EventPattern<string>('add')
  async add(@Payload() data: { n: number }): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    this.totals.total += data.n;
    this.totals.added.push(data.n);
  }
}

async function stateMember(namespace: string, name: string): Promise<{ totals: Totals; views: View[] }> {
  const totals = new Totals();
  @Module({ controllers: [TotalsController], providers: [{ provide: Totals, useValue: totals }] })
  class TotalsModule {}
  const server = new CohortServer(
    serverOptions(namespace, name, { groups: { [GROUP]: { ordering: 'total', state: totals } } }),
  );
  const views: View[] = [];
  server.on('view', (v) => views.push(v));
  const app = await NestFactory.createMicroservice(TotalsModule, { strategy: server, logger: false });
  await app.listen();
  closers.push(() => app.close());
  return { totals, views };
}

describe('state transfer through CohortServer', () => {
  afterEach(closeAll);

  it('hands a joiner the state after the handlers of every delivery before its view', async () => {
    const ns = 'transport-state';
    const a = await stateMember(ns, 'a');
    const b = await stateMember(ns, 'b');
    await until(() => a.views.at(-1)?.members.length === 2, 15_000, 'a view of two');
    const c = client(ns);
    await Promise.all(Array.from({ length: 20 }, (_, i) => lastValueFrom(c.emit('add', { n: i + 1 }))));
    const joiner = await stateMember(ns, 'joiner');
    await until(() => b.totals.added.length === 20, 10_000, 'every add handled at b');
    // The joiner's first view came with the state after all twenty adds, none of which it ran itself.
    expect(joiner.totals.total).toBe(210);
    expect(joiner.totals.added).toEqual(b.totals.added);
    expect(joiner.views[0]!.members).toHaveLength(3);
  }, 30_000);
});

describe('CohortClient in ClientsModule', () => {
  afterEach(closeAll);

  it('is registered with customClass and sends into the group', async () => {
    const ns = 'transport-clients';
    const [m] = await members(ns, 1);
    const moduleRef = await Test.createTestingModule({
      imports: [
        ClientsModule.register([
          { name: 'LEDGER', customClass: CohortClient, options: { servers: nats.url, namespace: ns, group: GROUP } },
        ]),
      ],
    }).compile();
    const ctx = await moduleRef.init();
    closers.push(() => ctx.close());
    const ledger = ctx.get<CohortClient>('LEDGER');
    const answer = await firstValueFrom(ledger.send<{ balance: number }>('deposit', { amount: 42 }));
    expect(answer.balance).toBe(42);
    expect(m!.ledger.balance).toBe(42);
    await expect(lastValueFrom(ledger.emit('tick', { n: 1 }))).resolves.toMatchObject({ group: GROUP, sender: m!.id });
    expect(ledger.unwrap<{ isClosed(): boolean }>().isClosed()).toBe(false);
  }, 30_000);
});
