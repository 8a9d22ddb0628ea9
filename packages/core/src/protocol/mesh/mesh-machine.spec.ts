import { describe, expect, it } from '@jest/globals';
import { decodeFrame, encodeFrame } from '../../wire/codec.js';
import type { MeshFrame } from '../../wire/frame.js';
import type { View } from '../view.js';
import { FailureDetector } from './failure-detector.js';
import { DEFAULT_MESH_CONFIG } from './mesh-config.js';
import type { MeshConfig } from './mesh-config.js';
import { MeshMachine } from './mesh-machine.js';
import type { MeshOutput } from './mesh-messages.js';
import { hasQuorum } from './quorum.js';

/** Machines on a lossless synchronous bus with virtual time; tests cut links and crash nodes. */
class Mesh {
  readonly machines = new Map<string, MeshMachine>();
  readonly crashed = new Set<string>();
  readonly views = new Map<string, View[]>();
  readonly statuses = new Map<string, string[]>();
  cut: (from: string, to: string) => boolean = () => false;
  now = 0;
  private readonly queue: Array<{ to: string; bytes: Uint8Array }> = [];

  constructor(private readonly config: MeshConfig = DEFAULT_MESH_CONFIG) {}

  start(id: string): MeshMachine {
    const m = new MeshMachine(id, this.config);
    this.machines.set(id, m);
    this.route(id, m.step({ kind: 'start', now: this.now }));
    return m;
  }

  bus(id: string, up: boolean): void {
    this.route(id, this.machines.get(id)!.step({ kind: 'bus', up, now: this.now }));
  }

  leave(id: string): void {
    this.route(id, this.machines.get(id)!.step({ kind: 'leave', now: this.now }));
  }

  run(ms: number): void {
    const end = this.now + ms;
    while (this.now < end) {
      this.now += 10;
      for (const [id, m] of this.machines)
        if (!this.crashed.has(id)) this.route(id, m.step({ kind: 'tick', now: this.now }));
    }
  }

  view(id: string): View | undefined {
    return this.machines.get(id)!.currentView;
  }

  status(id: string): string {
    return this.machines.get(id)!.status;
  }

  private route(from: string, outputs: MeshOutput[]): void {
    this.record(from, outputs);
    for (const o of outputs) {
      if (o.kind !== 'send') continue;
      const targets = o.to.kind === 'node' ? [o.to.node] : [...this.machines.keys()].filter((id) => id !== from);
      const bytes = encodeFrame(o.frame);
      for (const to of targets) if (!this.cut(from, to)) this.queue.push({ to, bytes });
    }
    for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
      const m = this.machines.get(next.to);
      if (m === undefined || this.crashed.has(next.to)) continue;
      const frame = decodeFrame(next.bytes) as MeshFrame;
      const outs = m.step({ kind: 'frame', frame, now: this.now });
      this.record(next.to, outs);
      for (const o of outs) {
        if (o.kind !== 'send') continue;
        const targets = o.to.kind === 'node' ? [o.to.node] : [...this.machines.keys()].filter((id) => id !== next.to);
        const bytes = encodeFrame(o.frame);
        for (const to of targets) if (!this.cut(next.to, to)) this.queue.push({ to, bytes });
      }
    }
  }

  private record(id: string, outputs: MeshOutput[]): void {
    for (const o of outputs) {
      if (o.kind === 'install') this.views.set(id, [...(this.views.get(id) ?? []), o.view]);
      if (o.kind === 'status') this.statuses.set(id, [...(this.statuses.get(id) ?? []), o.status]);
    }
  }

  /** Starts nodes one after another, each once the previous one is a member. */
  startAll(ids: string[]): void {
    for (const id of ids) {
      this.start(id);
      this.run(this.machines.size === 1 ? DEFAULT_MESH_CONFIG.joinTimeoutMs + 100 : 300);
    }
  }
}

const ids = (v: View | undefined) => v?.members ?? [];

describe('hasQuorum', () => {
  const view: View = {
    group: '$mesh',
    id: 3,
    members: ['a', 'b', 'c', 'd'],
    coordinator: 'a',
    joined: [],
    left: [],
    failed: [],
  };
  it.each([
    [['a', 'b', 'c'], [], true],
    [['a', 'b'], [], true], // exactly half, with the coordinator
    [['c', 'd'], [], false], // exactly half, without it
    [['d'], [], false],
    [['b', 'c'], ['a'], true], // a leaves: 2 of 3
    [['b'], ['a', 'c'], true], // 1 of 2 with the oldest remaining member
    [['d'], ['a', 'c'], false],
  ])('%j of [a b c d] with %j leaving: %s', (present, leaving, expected) => {
    expect(hasQuorum(view, new Set(present as string[]), new Set(leaving as string[]))).toBe(expected);
  });
});

describe('FailureDetector', () => {
  it('pings a silent member, then declares it unreachable; hearing from it clears that', () => {
    const fd = new FailureDetector({ suspectAfterMs: 100, verifyTimeoutMs: 50 });
    fd.watch(['x', 'y'], 0);
    fd.heard('y', 90);
    expect(fd.tick(99)).toEqual([]);
    expect(fd.tick(100)).toEqual([{ kind: 'ping', member: 'x' }]);
    expect(fd.tick(149)).toEqual([]);
    expect(fd.tick(150)).toEqual([{ kind: 'unreachable', member: 'x' }]);
    expect(fd.isUnreachable('x')).toBe(true);
    expect(fd.heard('x', 160)).toBe(true);
    expect(fd.isUnreachable('x')).toBe(false);
  });
});

describe('MeshMachine', () => {
  it('forms a mesh of one, then admits joiners in age order with one view sequence', () => {
    const mesh = new Mesh();
    mesh.startAll(['n1', 'n2', 'n3', 'n4']);
    for (const id of ['n1', 'n2', 'n3', 'n4']) expect(ids(mesh.view(id))).toEqual(['n1', 'n2', 'n3', 'n4']);
    expect(mesh.views.get('n1')!.map((v) => v.id)).toEqual([1, 2, 3, 4]);
    expect(mesh.views.get('n4')!.map((v) => v.id)).toEqual([4]);
    expect(mesh.views.get('n3')).toEqual(mesh.views.get('n1')!.slice(2));
  });

  it('removes a crashed member as failed', () => {
    const mesh = new Mesh();
    mesh.startAll(['n1', 'n2', 'n3']);
    mesh.crashed.add('n3');
    mesh.run(1000);
    expect(mesh.view('n1')).toMatchObject({ members: ['n1', 'n2'], failed: ['n3'], coordinator: 'n1' });
    expect(mesh.view('n2')).toEqual(mesh.view('n1'));
  });

  it('lets the next-oldest take over when the root crashes', () => {
    const mesh = new Mesh();
    mesh.startAll(['n1', 'n2', 'n3']);
    mesh.crashed.add('n1');
    mesh.run(1000);
    expect(mesh.view('n2')).toMatchObject({ members: ['n2', 'n3'], failed: ['n1'], coordinator: 'n2' });
    expect(mesh.view('n3')).toEqual(mesh.view('n2'));
  });

  it('keeps a two-node mesh alive when the younger node dies, and blocks the younger when the root dies', () => {
    const a = new Mesh();
    a.startAll(['n1', 'n2']);
    a.crashed.add('n2');
    a.run(1000);
    expect(a.view('n1')).toMatchObject({ members: ['n1'], failed: ['n2'] });
    expect(a.status('n1')).toBe('member');

    const b = new Mesh();
    b.startAll(['n1', 'n2']);
    b.crashed.add('n1');
    b.run(2000);
    expect(ids(b.view('n2'))).toEqual(['n1', 'n2']);
    expect(b.status('n2')).toBe('blocked');
  });

  it('removes a gracefully leaving root at once; the next-oldest becomes root', () => {
    const mesh = new Mesh();
    mesh.startAll(['n1', 'n2', 'n3']);
    mesh.leave('n1');
    mesh.run(50);
    expect(mesh.status('n1')).toBe('left');
    expect(mesh.view('n2')).toMatchObject({ members: ['n2', 'n3'], left: ['n1'], failed: [], coordinator: 'n2' });
    mesh.leave('n3');
    mesh.run(300);
    expect(mesh.view('n2')).toMatchObject({ members: ['n2'], left: ['n3'] });
    expect(mesh.status('n3')).toBe('left');
  });

  it('blocks the minority of a partition; after healing it learns it was removed', () => {
    const mesh = new Mesh();
    mesh.startAll(['n1', 'n2', 'n3', 'n4', 'n5']);
    const minority = new Set(['n1', 'n2']);
    mesh.cut = (from, to) => minority.has(from) !== minority.has(to);
    mesh.run(2000);
    expect(mesh.view('n3')).toMatchObject({ members: ['n3', 'n4', 'n5'], failed: ['n1', 'n2'], coordinator: 'n3' });
    expect(mesh.status('n1')).toBe('blocked');
    expect(mesh.status('n2')).toBe('blocked');
    expect(mesh.views.get('n1')!.at(-1)!.members).toHaveLength(5);
    mesh.cut = () => false;
    mesh.run(1000);
    expect(mesh.status('n1')).toBe('removed');
    expect(mesh.status('n2')).toBe('removed');
  });

  it('waits for minNodes before forming the first view, then forms one view of all', () => {
    const mesh = new Mesh({ ...DEFAULT_MESH_CONFIG, minNodes: 3 });
    mesh.start('n2');
    mesh.run(1500);
    expect(mesh.view('n2')).toBeUndefined();
    mesh.start('n1');
    mesh.run(1500);
    expect(mesh.view('n1')).toBeUndefined();
    mesh.start('n3');
    mesh.run(1500);
    for (const id of ['n1', 'n2', 'n3']) expect(mesh.view(id)).toMatchObject({ id: 1, members: ['n1', 'n2', 'n3'] });
  });

  it('never lets a paused node resume in its old view: it wakes up removed', () => {
    const mesh = new Mesh();
    mesh.startAll(['n1', 'n2', 'n3']);
    mesh.crashed.add('n3'); // SIGSTOP: no ticks, nothing received
    mesh.run(1500);
    expect(ids(mesh.view('n1'))).toEqual(['n1', 'n2']);
    mesh.crashed.delete('n3'); // SIGCONT with stale state
    mesh.run(500);
    expect(mesh.status('n3')).toBe('removed');
    expect(mesh.views.get('n3')!.every((v) => v.members.includes('n3'))).toBe(true);
  });

  it('commits one view per id when two nodes both act as coordinator (asymmetric cut)', () => {
    const mesh = new Mesh();
    mesh.startAll(['n1', 'n2', 'n3', 'n4', 'n5']);
    // n2 stops hearing n1 (and so acts as coordinator) while n1 still hears everyone.
    mesh.cut = (from, to) => from === 'n1' && to === 'n2';
    mesh.run(3000);
    mesh.cut = () => false;
    mesh.run(3000);
    const byId = new Map<number, string>();
    for (const [node, views] of mesh.views) {
      for (const v of views) {
        const key = JSON.stringify([v.members, v.coordinator]);
        expect({ node, id: v.id, view: byId.get(v.id) ?? key }).toEqual({ node, id: v.id, view: key });
        byId.set(v.id, key);
      }
    }
  });

  it('decides nothing while the bus is down: a total outage changes no view', () => {
    const mesh = new Mesh();
    mesh.startAll(['n1', 'n2', 'n3']);
    const before = mesh.view('n1');
    mesh.cut = () => true;
    for (const id of ['n1', 'n2', 'n3']) mesh.bus(id, false);
    mesh.run(5000);
    mesh.cut = () => false;
    for (const id of ['n1', 'n2', 'n3']) mesh.bus(id, true);
    mesh.run(1000);
    for (const id of ['n1', 'n2', 'n3']) {
      expect(mesh.view(id)).toEqual(before);
      expect(mesh.status(id)).toBe('member');
    }
  });

  it('still removes a node that alone lost the bus; it learns so when it is back', () => {
    const mesh = new Mesh();
    mesh.startAll(['n1', 'n2', 'n3']);
    mesh.cut = (from, to) => from === 'n3' || to === 'n3';
    mesh.bus('n3', false);
    mesh.run(2000);
    expect(mesh.view('n1')).toMatchObject({ members: ['n1', 'n2'], failed: ['n3'] });
    expect(mesh.status('n3')).toBe('member');
    mesh.cut = () => false;
    mesh.bus('n3', true);
    mesh.run(500);
    expect(mesh.status('n3')).toBe('removed');
  });

  it('recovers from a total cut it could not see: nobody stays blocked, no view changes', () => {
    const mesh = new Mesh();
    mesh.startAll(['n1', 'n2', 'n3']);
    const before = mesh.view('n1');
    mesh.cut = () => true;
    mesh.run(3000);
    expect(['n1', 'n2', 'n3'].map((id) => mesh.status(id))).toEqual(['blocked', 'blocked', 'blocked']);
    mesh.cut = () => false;
    mesh.run(2000);
    for (const id of ['n1', 'n2', 'n3']) {
      expect(mesh.status(id)).toBe('member');
      expect(mesh.view(id)).toEqual(before);
    }
  });
});
