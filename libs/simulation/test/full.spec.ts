import { describe, expect, it } from '@jest/globals';
import type { MemberHistory, ViewRecord } from '@cohort/checkers';
import { fullScenarioArgs, parseFullScenarioArgs } from '../src/node/full-args.js';
import { failuresBeforeRemoval } from '../src/node/full-checks.js';
import type { FullScenarioResult } from '../src/node/full-result.js';
import type { FullScenarioInput } from '../src/node/full-scenario.js';
import { resolveFullScenario } from '../src/node/full-scenario.js';
import { runFullScenario } from '../src/node/full-simulator.js';
import { variedFullScenario } from '../src/node/full-vary.js';
import { groupLifetimes } from '../src/node/group-lineage.js';

// Whole nodes (NodeMachine: the mesh and several groups per node). Targeted runs on a lossless
// bus, determinism and replay; the random sweep is full-sweep.spec.ts, open bugs full-known-bugs.spec.ts.

const LOSSLESS = { loss: 0, duplicate: 0, maxDelayMs: 1, fifoLinks: true } as const;

const view = (id: number, members: string[], extra: Partial<ViewRecord> = {}): ViewRecord => ({
  group: 'g0',
  id,
  members,
  coordinator: members[0]!,
  joined: [],
  left: [],
  failed: [],
  ...extra,
});
const history = (group: string, member: string, views: Array<[ViewRecord, number]>): MemberHistory => ({
  member,
  group,
  ordering: 'fifo',
  delivery: 'agreed',
  events: views.map(([v, at]) => ({ kind: 'install', view: { ...v, group }, at })),
});

describe('runFullScenario: targeted', () => {
  it('forms one mesh and one group per name, first joins of a group all at the same instant', () => {
    const r = runFullScenario({
      seed: 1,
      nodes: 5,
      groups: 3,
      concurrentJoins: 1,
      joins: 'concurrent-after-first',
      faults: LOSSLESS,
    });
    expect(r.report).toBe('');
    expect(r.stats.concurrentJoins).toBeGreaterThan(0);
    expect(r.check.results.find((c) => c.name === 'oneGroup')?.ok).toBe(true);
    // Every group was checked as one lifetime: nobody created a group that already existed.
    expect(r.check.results.filter((c) => c.name.endsWith(' viewAgreement')).map((c) => c.name)).toEqual([
      '$mesh viewAgreement',
      'g0 viewAgreement',
      'g1 viewAgreement',
      'g2 viewAgreement',
    ]);
    const delivered = r.stats.nodes.flatMap((n) => n.groups.map((g) => g.delivered));
    expect(Math.min(...delivered)).toBeGreaterThan(0);
  });
});

describe('cross-tier and lifetime rules', () => {
  it('a group may fail only a member some node already saw removed from the mesh', () => {
    const mesh = [
      history('$mesh', 'a', [
        [view(1, ['a', 'b', 'c']), 10],
        [view(2, ['a', 'b']), 500],
      ]),
    ];
    const early = history('g0', 'a', [
      [view(1, ['a', 'c']), 100],
      [view(2, ['a'], { failed: ['c'] }), 400],
    ]);
    expect(failuresBeforeRemoval([...mesh, early])[0]?.message).toMatch(
      /g0 view 2 \(first installed at t=400\) lists c as failed, but the mesh removed it only at t=500/,
    );
    const late = history('g0', 'a', [
      [view(1, ['a', 'c']), 100],
      [view(2, ['a'], { failed: ['c'] }), 600],
    ]);
    expect(failuresBeforeRemoval([...mesh, late])).toEqual([]);
    const never = history('g0', 'a', [
      [view(1, ['a', 'b']), 100],
      [view(2, ['a'], { failed: ['b'] }), 600],
    ]);
    expect(failuresBeforeRemoval([...mesh, never])[0]?.message).toMatch(
      /no node ever installed a mesh view without it/,
    );
  });

  it('splits a re-created group into lifetimes, joiners following their first coordinator', () => {
    const first = history('g0', 'a', [[view(1, ['a']), 100]]);
    const second = history('g0', 'b', [
      [view(1, ['b']), 900],
      [view(2, ['b', 'c']), 950],
    ]);
    const joiner = history('g0', 'c', [[view(2, ['b', 'c']), 951]]);
    expect(
      groupLifetimes('g0', [joiner, second, first]).map((l) => [l.name, l.histories.map((h) => h.member)]),
    ).toEqual([
      ['g0@b', ['c', 'b']],
      ['g0', ['a']],
    ]);
  });
});

describe('runFullScenario: determinism and replay', () => {
  const fingerprint = (r: FullScenarioResult): string =>
    JSON.stringify({ h: r.histories, c: r.check, s: r.stats, t: r.timeline, v: r.convergenceMs });

  it('is deterministic: the same seed gives identical JSON of histories and verdict, another seed differs', () => {
    const input: FullScenarioInput = {
      seed: 4321,
      nodes: 7,
      groups: 3,
      groupLeaves: 1,
      faults: { crashes: 1, restartAfterMs: 300, pauses: 2, partitions: 2, asymmetric: 0.5, leaves: 1 },
    };
    const a = runFullScenario(input);
    expect(fingerprint(runFullScenario(input))).toEqual(fingerprint(a));
    expect(fingerprint(runFullScenario({ ...input, seed: 4322 }))).not.toEqual(fingerprint(a));
  });

  it('prints a replay command that parses back into the same scenario', () => {
    for (const seed of [3, 17, 29]) {
      const options = resolveFullScenario({
        ...variedFullScenario(seed),
        rejoin: false,
        mesh: { suspectAfterMs: 300 },
        protocol: { flushRetryMs: 200 },
        script: [{ at: 3000, kind: 'partition', sides: [['n1'], ['n0', 'n2']], oneWay: true }],
      });
      const { scenario, rest } = parseFullScenarioArgs(fullScenarioArgs(options));
      expect(rest).toEqual([]);
      expect(resolveFullScenario(scenario)).toEqual(options);
    }
    expect(runFullScenario({ seed: 9, nodes: 3 }).replay).toBe('npx vopr --full --seed 9 --nodes 3');
  });
});
