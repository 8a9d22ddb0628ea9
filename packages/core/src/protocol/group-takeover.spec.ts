import { describe, expect, it } from '@jest/globals';
import type { Frame } from '../wire/frame.js';
import { DEFAULT_GROUP_PROTOCOL_CONFIG } from './config.js';
import { GroupMachine } from './group-machine.js';
import type { GroupInput, GroupOutput } from './messages.js';
import type { MemberId, View } from './view.js';

const config = { ...DEFAULT_GROUP_PROTOCOL_CONFIG, joinTimeoutMs: 100, joinRetryMs: 20, flushRetryMs: 50 };

/** An input without its time: the bus adds its own clock. */
type Untimed<T> = T extends unknown ? Omit<T, 'now'> : never;

interface InFlight {
  readonly from: MemberId;
  readonly to: MemberId;
  readonly frame: Frame;
}

/**
 * Group machines on a synchronous bus the test controls: frames queue until `run`, which may
 * drop some; crashed machines neither send nor receive. Installs and deliveries are recorded.
 */
class Bus {
  readonly machines = new Map<MemberId, GroupMachine>();
  readonly installs = new Map<MemberId, View[]>();
  readonly delivered = new Map<MemberId, string[]>();
  private readonly queue: InFlight[] = [];
  private readonly crashed = new Set<MemberId>();
  now = 0;

  add(id: MemberId): GroupMachine {
    const m = new GroupMachine('g', id, config);
    this.machines.set(id, m);
    this.installs.set(id, []);
    this.delivered.set(id, []);
    return m;
  }

  step(id: MemberId, input: Untimed<GroupInput>): GroupOutput[] {
    if (this.crashed.has(id)) return [];
    const outs = this.machines.get(id)!.step({ ...input, now: this.now } as GroupInput);
    for (const o of outs) {
      if (o.kind === 'install') this.installs.get(id)!.push(o.view);
      if (o.kind === 'deliver') this.delivered.get(id)!.push(`${o.delivery.origin}:${o.delivery.seq}`);
      if (o.kind !== 'send') continue;
      const targets = o.to.kind === 'node' ? [o.to.node] : [...this.machines.keys()].filter((m) => m !== id);
      for (const to of targets) this.queue.push({ from: id, to, frame: o.frame });
    }
    return outs;
  }

  crash(id: MemberId): void {
    this.crashed.add(id);
  }

  /** The mesh removed `ids`: every live machine hears of it. */
  depart(...ids: MemberId[]): void {
    for (const id of this.machines.keys()) this.step(id, { kind: 'departed', members: ids });
  }

  /** Delivers queued frames (and ticks) until nothing moves, dropping those `keep` refuses. */
  run(keep: (f: InFlight) => boolean = () => true, rounds = 50): void {
    for (let i = 0; i < rounds; i++) {
      while (this.queue.length > 0) {
        const f = this.queue.shift()!;
        if (this.crashed.has(f.from) || this.crashed.has(f.to) || !keep(f)) continue;
        this.step(f.to, { kind: 'frame', frame: f.frame });
      }
      this.now += 10;
      for (const id of this.machines.keys()) this.step(id, { kind: 'tick' });
    }
  }

  /** Starts `ids` one after another: the first creates the group, the others join. */
  static group(...ids: MemberId[]): Bus {
    const bus = new Bus();
    for (const id of ids) bus.add(id);
    bus.step(ids[0]!, { kind: 'start' });
    bus.step(ids[0]!, { kind: 'create' });
    for (const id of ids.slice(1)) {
      bus.step(id, { kind: 'start' });
      bus.run();
    }
    return bus;
  }

  view(id: MemberId): View | undefined {
    return this.machines.get(id)!.currentView;
  }
}

describe('GroupMachine: failures decided by the mesh', () => {
  it('the next-oldest member flushes out a failed coordinator and becomes coordinator', () => {
    const bus = Bus.group('a', 'b', 'c');
    expect(bus.view('c')).toMatchObject({ id: 3, members: ['a', 'b', 'c'] });
    bus.crash('a');
    bus.depart('a');
    bus.run();
    for (const id of ['b', 'c']) {
      expect(bus.view(id)).toEqual({
        group: 'g',
        id: 4,
        members: ['b', 'c'],
        coordinator: 'b',
        joined: [],
        left: [],
        failed: ['a'],
      });
    }
  });

  it('a message of a crashed sender that reached one survivor only is delivered by every survivor', () => {
    const bus = Bus.group('a', 'b', 'c');
    bus.step('c', { kind: 'multicast', requestId: 1, payload: new Uint8Array([1]), type: undefined });
    bus.run((f) => !(f.frame.kind === 'data' && f.to === 'a'), 1);
    bus.crash('c');
    bus.depart('c');
    bus.run();
    expect(bus.delivered.get('a')).toEqual(['c:1']);
    expect(bus.delivered.get('b')).toEqual(['c:1']);
    expect(bus.view('a')).toMatchObject({ id: 4, members: ['a', 'b'], failed: ['c'] });
  });

  it('a message of a crashed sender that no survivor holds is delivered by none', () => {
    const bus = Bus.group('a', 'b', 'c');
    bus.step('c', { kind: 'multicast', requestId: 1, payload: new Uint8Array([1]), type: undefined });
    bus.crash('c');
    bus.depart('c');
    bus.run();
    expect(bus.delivered.get('a')).toEqual([]);
    expect(bus.delivered.get('b')).toEqual([]);
    expect(bus.view('b')).toMatchObject({ id: 4, members: ['a', 'b'], failed: ['c'] });
  });

  it('a member taking over finishes the proposal every survivor accepted: it may be installed somewhere', () => {
    const bus = Bus.group('a', 'b', 'c', 'd');
    bus.crash('d');
    bus.step('a', { kind: 'departed', members: ['d'] });
    // a's flush runs to the end, but its install reaches nobody; then a crashes.
    bus.run((f) => f.frame.kind !== 'install', 1);
    bus.crash('a');
    bus.depart('a', 'd');
    bus.run();
    const expected = [
      { id: 5, members: ['a', 'b', 'c'], failed: ['d'] },
      { id: 6, members: ['b', 'c'], failed: ['a'] },
    ];
    for (const id of ['b', 'c']) expect(bus.installs.get(id)!.slice(-2)).toMatchObject(expected);
  });

  it('a member that missed an install another survivor has asks for it, then both go on together', () => {
    const bus = Bus.group('a', 'b', 'c', 'd');
    bus.crash('d');
    bus.step('a', { kind: 'departed', members: ['d'] });
    // a's install reaches b only; then a crashes.
    bus.run((f) => f.frame.kind !== 'install' || f.to === 'b', 1);
    expect(bus.view('b')).toMatchObject({ id: 5 });
    expect(bus.view('c')).toMatchObject({ id: 4 });
    bus.crash('a');
    bus.depart('a', 'd');
    bus.run();
    for (const id of ['b', 'c']) {
      expect(bus.installs.get(id)!.slice(-2)).toMatchObject([
        { id: 5, members: ['a', 'b', 'c'] },
        { id: 6, members: ['b', 'c'] },
      ]);
    }
  });

  it('supersedes a proposal some survivor never accepted, under a higher ballot', () => {
    const bus = Bus.group('a', 'b', 'c', 'd');
    bus.crash('d');
    bus.step('a', { kind: 'departed', members: ['d'] });
    // c never gets a's cut, so a cannot have installed anything.
    bus.run((f) => !(f.frame.kind === 'cut' && f.to === 'c'), 1);
    bus.crash('a');
    bus.depart('a', 'd');
    bus.run();
    for (const id of ['b', 'c']) {
      expect(bus.installs.get(id)!.at(-1)).toEqual({
        group: 'g',
        id: 5,
        members: ['b', 'c'],
        coordinator: 'b',
        joined: [],
        left: [],
        failed: ['a', 'd'],
      });
    }
  });

  it('delivers nothing while the mesh is blocked, and catches up once it is not', () => {
    const bus = Bus.group('a', 'b');
    bus.step('b', { kind: 'blocked', blocked: true });
    bus.step('a', { kind: 'multicast', requestId: 1, payload: new Uint8Array([1]), type: undefined });
    bus.run(() => true, 3);
    expect(bus.delivered.get('b')).toEqual([]);
    const resumed = bus.step('b', { kind: 'blocked', blocked: false });
    expect(resumed).toContainEqual({ kind: 'status', status: 'member' });
    // What was dropped meanwhile is a lost tail, found from a's next idle digest.
    bus.run(() => true, config.idleDigestIntervalMs / 10 + 10);
    expect(bus.delivered.get('b')).toEqual(['a:1']);
  });

  it('an evicted member rejects what is queued and takes no further part', () => {
    const bus = Bus.group('a', 'b');
    const outs = bus.step('b', { kind: 'evicted' });
    expect(outs).toContainEqual({ kind: 'status', status: 'blocked' });
    expect(bus.step('b', { kind: 'multicast', requestId: 7, payload: new Uint8Array([1]), type: undefined })).toEqual([
      { kind: 'rejected', requestId: 7, reason: 'removed' },
    ]);
  });
});
