import { describe, expect, it } from '@jest/globals';
import type { MemberHistory } from '@cohort/checkers';
import { meshScenarioArgs, parseMeshScenarioArgs } from '../src/mesh-args.js';
import type { MeshScenarioResult } from '../src/mesh-simulator.js';
import { runMeshScenario } from '../src/mesh-simulator.js';
import type { MeshAction, MeshScenarioInput } from '../src/mesh-scenario.js';
import { NO_MESH_FAULTS, resolveMeshScenario } from '../src/mesh-scenario.js';

// Targeted mesh scenarios: scripted faults on a lossless bus, so that each test is about one
// behaviour of docs/design/membership.md. The random sweep is in mesh-sweep.spec.ts.

function scripted(nodes: number, script: MeshAction[], extra: Partial<MeshScenarioInput> = {}): MeshScenarioResult {
  return runMeshScenario({ seed: 1, nodes, joins: 'concurrent-after-first', faults: NO_MESH_FAULTS, script, ...extra });
}

const installs = (h: MemberHistory | undefined, from = 0, to = Infinity): Array<{ id: number; members: string }> =>
  (h?.events ?? []).flatMap((e) =>
    e.kind === 'install' && (e.at ?? 0) >= from && (e.at ?? 0) <= to
      ? [{ id: e.view.id, members: e.view.members.join(',') }]
      : [],
  );
const history = (r: MeshScenarioResult, id: string): MemberHistory | undefined =>
  r.histories.find((h) => h.member === id);
const node = (r: MeshScenarioResult, id: string) => r.stats.nodes.find((n) => n.id === id);
const finalMembers = (r: MeshScenarioResult): string[] =>
  [...(r.stats.nodes.find((n) => n.state === 'running')?.finalMembers ?? [])].sort();

describe('runMeshScenario: targeted', () => {
  it('forms one mesh of all nodes without faults, in every join mode', () => {
    for (const joins of ['staggered', 'concurrent-after-first', 'sequential'] as const) {
      const r = runMeshScenario({ seed: 3, nodes: 6, joins, faults: NO_MESH_FAULTS });
      expect(r.report).toBe('');
      expect(finalMembers(r)).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
      expect(r.convergenceMs).toBe(0);
    }
  });

  it('partition 2|3: the 2 block and install nothing, the 3 go on; healed, the 2 are removed and rejoin', () => {
    const r = scripted(5, [
      {
        at: 3000,
        kind: 'partition',
        sides: [
          ['n3', 'n4'],
          ['n0', 'n1', 'n2'],
        ],
      },
      { at: 5000, kind: 'heal' },
    ]);
    expect(r.report).toBe('');
    for (const id of ['n3', 'n4']) {
      const log = node(r, id)!.statusLog;
      expect(log.some((s) => s.status === 'blocked' && s.at > 3000 && s.at < 5000)).toBe(true);
      expect(installs(history(r, id), 3000, 5000)).toEqual([]);
      expect(log.at(-1)?.status).toBe('removed');
    }
    const majority = installs(history(r, 'n0'), 3000, 5000);
    expect(majority.map((v) => v.members)).toContain('n0,n1,n2');
    expect(finalMembers(r)).toEqual(['n0', 'n1', 'n2', 'n3r1', 'n4r2'].sort());
  });

  it('crash of the root: the next-oldest takes over and every survivor installs the view without it', () => {
    const r = scripted(4, [{ at: 3000, kind: 'crash', node: 'n0' }]);
    expect(r.report).toBe('');
    const after = installs(history(r, 'n1'), 3000);
    expect(after).toHaveLength(1);
    for (const id of ['n2', 'n3']) expect(installs(history(r, id), 3000)).toEqual(after);
    expect(after[0]!.members.split(',')[0]).toBe('n1');
    expect(finalMembers(r)).toEqual(['n1', 'n2', 'n3']);
  });

  it('crash of a plain member: removed by the root', () => {
    const r = scripted(4, [{ at: 3000, kind: 'crash', node: 'n2' }]);
    expect(r.report).toBe('');
    expect(finalMembers(r)).toEqual(['n0', 'n1', 'n3']);
  });

  it('2 nodes, the younger crashes: the older goes on alone', () => {
    const r = scripted(2, [{ at: 3000, kind: 'crash', node: 'n1' }]);
    expect(r.report).toBe('');
    expect(finalMembers(r)).toEqual(['n0']);
    expect(node(r, 'n0')!.status).toBe('member');
  });

  it('2 nodes, the older crashes: the younger blocks for good (the coordinator keeps a tie)', () => {
    const r = scripted(2, [{ at: 3000, kind: 'crash', node: 'n0' }], { liveness: false });
    expect(r.report).toBe('');
    expect(node(r, 'n1')).toMatchObject({ status: 'blocked', finalViewId: 2, finalMembers: ['n0', 'n1'] });
    expect(installs(history(r, 'n1'), 3000)).toEqual([]);
  });

  it('graceful leave of the root and of a member', () => {
    for (const leaver of ['n0', 'n2']) {
      const r = scripted(4, [{ at: 3000, kind: 'leave', node: leaver }]);
      expect(r.report).toBe('');
      expect(node(r, leaver)!.status).toBe('left');
      expect(finalMembers(r)).toEqual(['n0', 'n1', 'n2', 'n3'].filter((id) => id !== leaver));
    }
  });

  it('a paused node that wakes after its removal ends removed and rejoins, never resuming its old view', () => {
    const r = scripted(3, [{ at: 3000, kind: 'pause', node: 'n2', forMs: 2000 }]);
    expect(r.report).toBe('');
    expect(installs(history(r, 'n0'), 3000, 5000).map((v) => v.members)).toEqual(['n0,n1']);
    expect(installs(history(r, 'n2'), 3000)).toEqual([]);
    expect(node(r, 'n2')!.statusLog.at(-1)).toMatchObject({ status: 'removed' });
    expect(node(r, 'n2')!.statusLog.at(-1)!.at).toBeGreaterThanOrEqual(5000);
    expect(finalMembers(r)).toEqual(['n0', 'n1', 'n2r1']);
  });
});

describe('runMeshScenario: determinism and replay', () => {
  const fingerprint = (r: MeshScenarioResult): string =>
    JSON.stringify({ h: r.histories, s: r.stats, t: r.timeline, c: r.check, v: r.convergenceMs });

  it('is deterministic: the same seed gives identical JSON, another seed differs', () => {
    const input: MeshScenarioInput = {
      seed: 4321,
      nodes: 7,
      faults: { crashes: 1, restartAfterMs: 300, pauses: 2, partitions: 2, asymmetric: 0.5, leaves: 1 },
    };
    const a = runMeshScenario(input);
    expect(fingerprint(runMeshScenario(input))).toEqual(fingerprint(a));
    expect(fingerprint(runMeshScenario({ ...input, seed: 4322 }))).not.toEqual(fingerprint(a));
  });

  it('prints a replay command that parses back into the same scenario, script included', () => {
    const options = resolveMeshScenario({
      seed: 9,
      nodes: 6,
      joins: 'sequential',
      config: { suspectAfterMs: 300 },
      faults: { loss: 0.1, fifoLinks: true, pauses: 1 },
      script: [{ at: 3000, kind: 'partition', sides: [['n1'], ['n0', 'n2']], oneWay: true }],
    });
    const { scenario, rest } = parseMeshScenarioArgs(meshScenarioArgs(options));
    expect(rest).toEqual([]);
    expect(resolveMeshScenario(scenario)).toEqual(options);
    expect(runMeshScenario(scenario).replay).toMatch(/^npx vopr --mesh --seed 9 .*--script '\[\{"at":3000/);
  });
});
