import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { waitUntil as until } from '@cohort/nats-harness';
import { Injectable, Scope } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CohortNode, ConfigurationError, InMemoryNetwork, InvalidNameError } from '@cohort/nats';
import type { Group, View } from '@cohort/nats';
import { COHORT_NODE, CohortModule, GroupMember, InjectGroup, OnMessage, OnView } from '../src/index.js';
import type { DeliveryContext } from '../src/index.js';

const silent = { log: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
const fast = {
  joinTimeoutMs: 150,
  heartbeatMs: 20,
  suspectAfterMs: 60,
  verifyTimeoutMs: 30,
  tickMs: 5,
  nakIntervalMs: 20,
  digestIntervalMs: 10,
  flushRetryMs: 50,
};
const apps: INestApplicationContext[] = [];

@GroupMember('ledger')
@Injectable()
class Ledger {
  readonly applied: Array<{ payload: unknown; ctx: DeliveryContext }> = [];
  readonly deposits: number[] = [];
  readonly views: View[] = [];
  constructor(@InjectGroup('ledger') readonly group: Group<{ amount: number }>) {}

  @OnMessage()
  async all(payload: unknown, ctx: DeliveryContext): Promise<void> {
    // An async handler is awaited before the next delivery: order survives the await.
    await new Promise((r) => setTimeout(r, 1));
    this.applied.push({ payload, ctx });
  }

  @OnMessage('deposit')
  deposit(payload: { amount: number }): void {
    this.deposits.push(payload.amount);
  }

  @OnMessage('boom')
  boom(): void {
    throw new Error('handler failure must not stop the group');
  }

  @OnView()
  changed(view: View): void {
    this.views.push(view);
  }
}

async function app(
  net: InMemoryNetwork,
  providers: Array<new (...args: never[]) => unknown>,
): Promise<INestApplicationContext> {
  const moduleRef = await Test.createTestingModule({
    imports: [CohortModule.forRoot({ namespace: 'test', servers: 'nats://unused' })],
    providers,
  })
    .overrideProvider(COHORT_NODE)
    .useValue(new CohortNode(net.connect(), { namespace: 'test', name: 'n', logger: silent, ...fast }))
    .compile();
  moduleRef.useLogger(false);
  const ctx = await moduleRef.init();
  apps.push(ctx);
  return ctx;
}

afterEach(async () => {
  await Promise.allSettled(apps.splice(0).map((a) => a.close()));
});

describe('CohortModule', () => {
  it('discovers @GroupMember providers, injects the group handle and joins at bootstrap', async () => {
    const net = new InMemoryNetwork();
    const ctx = await app(net, [Ledger]);
    const ledger = ctx.get(Ledger);
    expect(ledger.group.view.members).toHaveLength(1);
    expect(ledger.views.map((v) => v.id)).toEqual([1]);
  });

  it('routes deliveries to @OnMessage handlers by type, in order, one at a time, surviving a throwing handler', async () => {
    const net = new InMemoryNetwork();
    const a = (await app(net, [Ledger])).get(Ledger);
    const b = (await app(net, [Ledger])).get(Ledger);
    await until(() => a.views.length === 2 && b.views.length === 1);
    for (let i = 1; i <= 20; i++) await a.group.multicast({ amount: i }, { type: i === 10 ? 'boom' : 'deposit' });
    await until(() => b.applied.length === 20 && a.applied.length === 20);
    expect(b.applied.map((x) => (x.payload as { amount: number }).amount)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(b.deposits).toHaveLength(19);
    expect(b.applied[0]!.ctx).toMatchObject({
      group: 'ledger',
      sender: a.group.view.members[0],
      viewId: 2,
      seq: 1,
      type: 'deposit',
    });
    expect(b.views.map((v) => v.id)).toEqual([2]);
  });

  it('leaves on shutdown, so that survivors see the member as left', async () => {
    const net = new InMemoryNetwork();
    const first = await app(net, [Ledger]);
    const a = first.get(Ledger);
    const b = (await app(net, [Ledger])).get(Ledger);
    await until(() => a.views.length === 2);
    const leaver = a.group.view.members[0];
    await first.close();
    await until(() => b.views.length === 2);
    expect(b.views[1]).toMatchObject({ left: [leaver], failed: [] });
  });

  it('rejects request-scoped members with an error that says why', async () => {
    @GroupMember('scoped')
    @Injectable({ scope: Scope.REQUEST })
    class Scoped {}
    await expect(app(new InMemoryNetwork(), [Scoped])).rejects.toThrow(ConfigurationError);
  });

  it('rejects members of one group that disagree on ordering', async () => {
    @GroupMember('g2', { ordering: 'fifo' })
    @Injectable()
    class One {}
    @GroupMember('g2', { ordering: 'total' })
    @Injectable()
    class Two {}
    await expect(app(new InMemoryNetwork(), [One, Two])).rejects.toThrow(/must agree/);
  });

  it('rejects invalid group names when the decorator is applied', () => {
    expect(() => GroupMember('bad.name')).toThrow(InvalidNameError);
  });
});
