import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { waitUntil as until } from '@cohort/nats-harness';
import { Injectable } from '@nestjs/common';
import { InMemoryNetwork } from '@cohort/nats';
import type { Delivery, Group, GroupStatus, View } from '@cohort/nats';
import { firstValueFrom, take, toArray } from 'rxjs';
import {
  GroupMember,
  GroupRef,
  HandlerError,
  HandlerFailuresExceededError,
  InjectGroup,
  OnMessage,
  OnStateRequest,
  OnStateTransfer,
  OnView,
  ofType,
} from '../src/index.js';
import { closeApps, startApp } from './support/testing-app.js';

afterEach(closeApps);

const tick = () => new Promise((r) => setTimeout(r, 0));

/**
 * A replicated log whose handlers are slow and asynchronous, so deliveries are still queued for
 * them when a joiner's state is taken: the snapshot must wait for them, and nothing may be lost
 * or applied twice between the restored state and the joiner's first delivery.
 */
@GroupMember('log', { ordering: 'total' })
@Injectable()
class Log {
  entries: number[] = [];
  restored: number[] | undefined;
  appliedBeforeRestore = 0;
  snapshots = 0;
  constructor(@InjectGroup('log') readonly group: Group<number>) {}

  @OnMessage('entry')
  async apply(n: number): Promise<void> {
    await tick();
    this.entries.push(n);
  }

  @OnStateRequest()
  async snapshot(): Promise<number[]> {
    this.snapshots++;
    await tick();
    return [...this.entries];
  }

  @OnStateTransfer()
  async restore(state: number[]): Promise<void> {
    if (this.entries.length > 0) this.appliedBeforeRestore++;
    await tick();
    this.restored = state;
    this.entries = [...state];
  }
}

describe('@OnStateRequest / @OnStateTransfer', () => {
  it('a joiner restores the state at its place in the handler queue, then applies exactly the rest', async () => {
    const net = new InMemoryNetwork();
    const a = (await startApp(net, [Log])).get(Log);
    const b = (await startApp(net, [Log])).get(Log);
    await until(() => a.group.view.members.length === 2 && b.restored !== undefined);
    let next = 0;
    let stop = false;
    const traffic = (async () => {
      while (!stop && next < 400)
        await Promise.all([a.group.multicast(next++, { type: 'entry' }), b.group.multicast(next++, { type: 'entry' })]);
    })();
    await until(() => next > 100);
    const c = (await startApp(net, [Log])).get(Log);
    await until(() => next > 200);
    stop = true;
    await traffic;
    await until(() => a.entries.length === next && b.entries.length === next && c.entries.length === next);
    expect(c.restored!.length).toBeGreaterThan(0);
    expect(c.appliedBeforeRestore).toBe(0);
    expect(c.entries).toEqual(a.entries);
    expect(b.entries).toEqual(a.entries);
    // The oldest member took both snapshots; the others none.
    expect(a.snapshots).toBe(2);
    expect(b.snapshots + c.snapshots).toBe(0);
  });
});

@GroupMember('fragile', { maxConsecutiveHandlerFailures: 3 })
@Injectable()
class Fragile {
  readonly seen: number[] = [];
  readonly errors: Error[] = [];
  views: View[] = [];
  /** Only this process's handler fails: the others apply everything. */
  fragile = false;
  constructor(@InjectGroup('fragile') readonly group: Group<number>) {
    group.errors$.subscribe((e) => this.errors.push(e));
  }

  @OnMessage()
  handle(n: number): void {
    this.seen.push(n);
    if (n < 0 && this.fragile) throw new Error(`cannot apply ${n}`);
  }

  @OnView()
  changed(view: View): void {
    this.views.push(view);
  }
}

describe('handler failures', () => {
  it('are reported on errors$ without breaking the order; the member leaves after N in a row, seen as left', async () => {
    const net = new InMemoryNetwork();
    const a = (await startApp(net, [Fragile])).get(Fragile);
    const b = (await startApp(net, [Fragile])).get(Fragile);
    await until(() => a.views.length === 2 && b.views.length === 1);
    const bId = b.group.view.members[1]!;
    b.fragile = true;
    // Two failures, a success (which resets the count), then three in a row.
    for (const n of [1, -1, -2, 2, -3, -4, -5]) await a.group.multicast(n);
    await until(() => a.views.length === 3);
    expect(a.views[2]).toMatchObject({ left: [bId], failed: [] });
    expect(b.seen).toEqual([1, -1, -2, 2, -3, -4, -5]);
    const handlerErrors = b.errors.filter((e) => e instanceof HandlerError);
    expect(handlerErrors).toHaveLength(5);
    expect(handlerErrors[0]).toMatchObject({
      name: 'HandlerError',
      group: 'fragile',
      handler: 'Fragile.handle',
      seq: 2,
    });
    expect((handlerErrors[0]!.cause as Error).message).toBe('cannot apply -1');
    const exceeded = b.errors.filter((e) => e instanceof HandlerFailuresExceededError);
    expect(exceeded).toHaveLength(1);
    expect(exceeded[0]).toMatchObject({ failures: 3, group: 'fragile' });
    expect(a.errors).toEqual([]);
    expect(a.seen).toEqual([1, -1, -2, 2, -3, -4, -5]);
  });
});

@GroupMember('typed')
@Injectable()
class Typed {
  constructor(@InjectGroup('typed') readonly group: Group<{ kind: string }>) {}
}

describe('the Group handle', () => {
  it('status$ starts at joining and follows the group; stream(type) and ofType narrow by message type', async () => {
    expect(await firstValueFrom(new GroupRef('unjoined').status$)).toBe('joining');
    const ctx = await startApp(new InMemoryNetwork(), [Typed]);
    const group = ctx.get(Typed).group;
    expect(await firstValueFrom(group.status$)).toBe('member');
    const streamed = firstValueFrom(group.stream<{ kind: 'a' }>('a').pipe(take(2), toArray()));
    const piped = firstValueFrom(group.messages$.pipe(ofType<{ kind: 'b' }>('b'), take(1), toArray()));
    await group.multicast({ kind: 'a' }, { type: 'a' });
    await group.multicast({ kind: 'b' }, { type: 'b' });
    await group.multicast({ kind: 'a' }, { type: 'a' });
    const as: Array<Delivery<{ kind: 'a' }>> = await streamed;
    expect(as.map((d) => d.payload.kind)).toEqual(['a', 'a']);
    expect((await piped).map((d) => d.payload.kind)).toEqual(['b']);
    const statuses: GroupStatus[] = [];
    group.status$.subscribe((s) => statuses.push(s));
    await group.leave();
    expect(statuses).toEqual(['member', 'left']);
  });
});
