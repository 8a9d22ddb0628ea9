import { describe, expect, it } from '@jest/globals';
import type { Frame } from '../../wire/frame.js';
import { DEFAULT_GROUP_PROTOCOL_CONFIG } from '../config.js';
import { DEFAULT_MESH_CONFIG } from '../mesh/mesh-config.js';
import type { MemberId, View } from '../view.js';
import { NodeMachine } from './node-machine.js';
import type { NodeInput } from './node-messages.js';

const config = { mesh: DEFAULT_MESH_CONFIG, group: DEFAULT_GROUP_PROTOCOL_CONFIG, rejoin: true };

/**
 * Whole nodes on a bus with a 1 ms hop and NATS addressing (mesh channels reach everyone, group
 * channels the nodes that joined the group, unicasts one inbox); paused nodes get nothing and do
 * nothing. Group installs are recorded per incarnation id.
 */
class Cluster {
  readonly nodes = new Map<string, NodeMachine>();
  readonly groupViews = new Map<MemberId, View[]>();
  readonly paused = new Set<string>();
  /** Nodes cut off from one another: frames between a cut node and any other node are lost. */
  readonly cut = new Set<string>();
  private readonly joined = new Map<string, Set<string>>();
  private readonly byIncarnation = new Map<MemberId, string>();
  private queue: Array<{ at: number; node: string; frame: Frame }> = [];
  now = 0;

  add(name: string): void {
    this.nodes.set(name, new NodeMachine(name, config));
    this.byIncarnation.set(name, name);
    this.joined.set(name, new Set());
    this.input(name, { kind: 'start', now: this.now });
  }

  join(name: string, group: string): void {
    this.joined.get(name)!.add(group);
    this.input(name, { kind: 'join', group, now: this.now });
  }

  input(name: string, input: NodeInput): void {
    if (this.paused.has(name)) return;
    const node = this.nodes.get(name)!;
    for (const o of node.step(input)) {
      if (o.kind === 'incarnation') this.byIncarnation.set(o.id, name);
      if (o.kind === 'group' && o.output.kind === 'install') {
        this.groupViews.set(node.id, [...(this.groupViews.get(node.id) ?? []), o.output.view]);
      }
      if (o.kind !== 'send') continue;
      const to = o.to;
      const targets =
        to.kind === 'node'
          ? [this.byIncarnation.get(to.node)].filter((n): n is string => n !== undefined)
          : [...this.nodes.keys()].filter(
              (n) => n !== name && (to.kind === 'mesh' || this.joined.get(n)!.has(to.group)),
            );
      for (const target of targets) {
        if (this.cut.has(name) || this.cut.has(target)) continue;
        this.queue.push({ at: this.now + 1, node: target, frame: o.frame });
      }
    }
  }

  run(ms: number): void {
    const end = this.now + ms;
    while (this.now < end) {
      this.now += 1;
      const due = this.queue.filter((f) => f.at <= this.now);
      this.queue = this.queue.filter((f) => f.at > this.now);
      for (const f of due)
        if (!this.paused.has(f.node)) this.input(f.node, { kind: 'frame', frame: f.frame, now: this.now });
      if (this.now % 10 === 0) for (const name of this.nodes.keys()) this.input(name, { kind: 'tick', now: this.now });
    }
  }

  node(name: string): NodeMachine {
    return this.nodes.get(name)!;
  }
}

function meshOf(...names: string[]): Cluster {
  const c = new Cluster();
  for (const n of names) {
    c.add(n);
    c.run(1500);
  }
  return c;
}

describe('NodeMachine', () => {
  it('serialises group creation at the root: first joins at the same moment form one group', () => {
    const c = meshOf('a', 'b', 'c');
    expect(c.node('c').currentMeshView?.members).toEqual(['a', 'b', 'c']);
    for (const n of ['c', 'b', 'a']) c.join(n, 'g');
    c.run(2000);
    const views = ['a', 'b', 'c'].map((n) => c.node(n).groupView('g'));
    expect(views[0]?.members).toHaveLength(3);
    expect(views[1]).toEqual(views[0]);
    expect(views[2]).toEqual(views[0]);
    expect(c.groupViews.get('a')![0]!.id).toBeGreaterThan(0);
    expect(c.node('a').directoryEntries()).toEqual([
      { group: 'g', viewId: views[0]!.id, coordinator: views[0]!.coordinator },
    ]);
  });

  it('a new root rebuilds the directory from reports, so a joiner finds the group instead of creating another', () => {
    const c = meshOf('a', 'b', 'c');
    c.join('c', 'g');
    c.run(1500);
    expect(c.node('c').groupView('g')).toMatchObject({ id: 1, members: ['c'] });
    c.paused.add('a');
    c.run(1500);
    expect(c.node('b').currentMeshView).toMatchObject({ coordinator: 'b', failed: ['a'] });
    // b, the new root, knows of g only from c's report.
    expect(c.node('b').directoryEntries()).toEqual([{ group: 'g', viewId: 1, coordinator: 'c' }]);
    c.join('b', 'g');
    c.run(1500);
    expect(c.node('b').groupView('g')).toMatchObject({ id: 2, members: ['c', 'b'] });
  });

  it('a node the mesh removed while paused rejoins the mesh and its groups as a new incarnation', () => {
    const c = meshOf('a', 'b', 'c');
    for (const n of ['a', 'b', 'c']) c.join(n, 'g');
    c.run(2000);
    expect(c.node('a').groupView('g')?.members).toEqual(['a', 'b', 'c']);
    c.paused.add('c');
    c.run(1500);
    expect(c.node('a').groupView('g')).toMatchObject({ members: ['a', 'b'], failed: ['c'] });
    c.paused.delete('c');
    c.run(3000);
    expect(c.node('c').id).toBe('c-2');
    expect(c.node('a').currentMeshView?.members).toEqual(['a', 'b', 'c-2']);
    expect(c.node('a').groupView('g')).toMatchObject({ members: ['a', 'b', 'c-2'], joined: ['c-2'] });
    expect(c.node('c').groupView('g')).toEqual(c.node('a').groupView('g'));
    // The old incarnation never installed a view after its removal.
    expect(c.groupViews.get('c')!.every((v) => v.members.includes('c'))).toBe(true);
  });

  it('two meshes formed apart merge once they hear each other: the junior one rejoins the senior', () => {
    const c = new Cluster();
    c.cut.add('a');
    c.add('a');
    c.add('b');
    c.add('c');
    c.run(1500);
    c.join('a', 'g');
    c.join('b', 'g');
    c.run(2000);
    expect(c.node('a').currentMeshView?.members).toEqual(['a']);
    expect(c.node('b').currentMeshView?.members).toEqual(['b', 'c']);
    c.cut.delete('a');
    c.run(6000);
    expect(c.node('a').id).toBe('a-2');
    expect(c.node('b').currentMeshView?.members).toEqual(['b', 'c', 'a-2']);
    expect(c.node('a').currentMeshView).toEqual(c.node('b').currentMeshView);
    expect(c.node('a').groupView('g')).toMatchObject({ members: ['b', 'a-2'], joined: ['a-2'] });
    expect(c.node('b').groupView('g')).toEqual(c.node('a').groupView('g'));
  });
});
