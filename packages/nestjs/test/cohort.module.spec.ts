import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { waitUntil as until } from '@cohort/nats-harness';
import { Injectable, Scope } from '@nestjs/common';
import { ConfigurationError, InMemoryNetwork, InvalidNameError } from '@cohort/nats';
import type { Group, View } from '@cohort/nats';
import { GroupMember, InjectGroup, OnMessage, OnView } from '../src/index.js';
import { closeApps, startApp } from './support/testing-app.js';
import type { DeliveryContext } from '../src/index.js';

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

afterEach(closeApps);

describe('CohortModule', () => {
  it('discovers @GroupMember providers, injects the group handle and joins at bootstrap', async () => {
    const net = new InMemoryNetwork();
    const ctx = await startApp(net, [Ledger]);
    const ledger = ctx.get(Ledger);
    expect(ledger.group.view.members).toHaveLength(1);
    expect(ledger.views.map((v) => v.id)).toEqual([1]);
  });

  it('routes deliveries to @OnMessage handlers by type, in order, one at a time, surviving a throwing handler', async () => {
    const net = new InMemoryNetwork();
    const a = (await startApp(net, [Ledger])).get(Ledger);
    const b = (await startApp(net, [Ledger])).get(Ledger);
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
    const first = await startApp(net, [Ledger]);
    const a = first.get(Ledger);
    const b = (await startApp(net, [Ledger])).get(Ledger);
    await until(() => a.views.length === 2);
    const leaver = a.group.view.members[0];
    await first.close();
    await until(() => b.views.length === 2);
    expect(b.views[1]).toMatchObject({ left: [leaver], failed: [] });
  });

  it('delivers to every provider of a group, and a provider in several groups per method', async () => {
    const log: string[] = [];
    @GroupMember('alpha')
    @GroupMember('beta')
    @Injectable()
    class Both {
      constructor(
        @InjectGroup('alpha') readonly alpha: Group<string>,
        @InjectGroup('beta') readonly beta: Group<string>,
      ) {}
      @OnMessage(undefined, { group: 'alpha' })
      onAlpha(m: string): void {
        log.push(`both/alpha:${m}`);
      }
      @OnMessage()
      onAny(m: string, ctx: DeliveryContext): void {
        log.push(`both/any(${ctx.group}):${m}`);
      }
    }
    @GroupMember('alpha')
    @Injectable()
    class Second {
      @OnMessage()
      async on(m: string): Promise<void> {
        await new Promise((r) => setTimeout(r, 1));
        log.push(`second:${m}`);
      }
    }
    const both = (await startApp(new InMemoryNetwork(), [Both, Second])).get(Both);
    await both.alpha.multicast('1');
    await both.beta.multicast('2');
    await both.alpha.multicast('3');
    // Providers in discovery order, methods in declaration order, one delivery at a time.
    expect(log).toEqual([
      'both/alpha:1',
      'both/any(alpha):1',
      'second:1',
      'both/any(beta):2',
      'both/alpha:3',
      'both/any(alpha):3',
      'second:3',
    ]);
  });

  it('rejects request-scoped members with an error that says why', async () => {
    @GroupMember('scoped')
    @Injectable({ scope: Scope.REQUEST })
    class Scoped {}
    await expect(startApp(new InMemoryNetwork(), [Scoped])).rejects.toThrow(ConfigurationError);
  });

  it('rejects members of one group that disagree on ordering', async () => {
    @GroupMember('g2', { ordering: 'fifo' })
    @Injectable()
    class One {}
    @GroupMember('g2', { ordering: 'total' })
    @Injectable()
    class Two {}
    await expect(startApp(new InMemoryNetwork(), [One, Two])).rejects.toThrow(/must agree/);
  });

  it('rejects invalid group names when the decorator is applied', () => {
    expect(() => GroupMember('bad.name')).toThrow(InvalidNameError);
  });
});
