import { describe, expect, it } from '@jest/globals';
import {
  localMonotonicity,
  primaryPartition,
  sameViewSequence,
  selfInclusion,
  viewAgreement,
  type CheckResult,
} from '../src/index.js';
import { RunBuilder } from './support/run-builder.js';

const messages = (r: CheckResult): string[] => r.violations.map((v) => v.message);

// Three members through views 1..3, the last one after c failed.
const healthy = (): RunBuilder =>
  new RunBuilder(['a', 'b', 'c']).view(1, ['a', 'b', 'c']).view(2, ['a', 'b', 'c']).view(3, ['a', 'b']);

describe('selfInclusion', () => {
  it('passes when every installed view contains its installer', () => {
    expect(selfInclusion(healthy().histories()).ok).toBe(true);
  });

  it('catches a member installing a view without itself', () => {
    const run = healthy()
      .view(4, ['a', 'b'], { installers: ['a', 'b'] })
      .install('c', 4);
    const result = selfInclusion(run.histories());
    expect(result.ok).toBe(false);
    expect(result.violations).toEqual([expect.objectContaining({ member: 'c', viewId: 4 })]);
  });
});

describe('localMonotonicity', () => {
  it('passes for increasing view ids', () => {
    expect(localMonotonicity(healthy().histories()).ok).toBe(true);
  });

  it('catches a view installed twice and a view id going back', () => {
    const run = new RunBuilder(['a', 'b']).view(1, ['a', 'b']).view(2, ['a', 'b']).install('a', 2).install('b', 1);
    const result = localMonotonicity(run.histories());
    expect(result.count).toBe(2);
    expect(result.violations.map((v) => [v.member, v.viewId])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });
});

describe('viewAgreement', () => {
  it('passes when every install of a view id carries the same record', () => {
    expect(viewAgreement(healthy().histories()).ok).toBe(true);
  });

  it('catches two members installing different member lists under one id', () => {
    const run = new RunBuilder(['a', 'b', 'c'])
      .view(1, ['a', 'b', 'c'])
      .view(2, ['a', 'b'], { installers: ['a', 'b'] });
    run.installRecord('c', {
      group: 'g',
      id: 2,
      members: ['b', 'c'],
      coordinator: 'b',
      joined: [],
      left: [],
      failed: ['a'],
    });
    const result = viewAgreement(run.histories());
    expect(result.ok).toBe(false);
    expect(result.violations[0]).toMatchObject({ viewId: 2, member: 'c' });
  });

  it('catches the same members in another order, or another coordinator', () => {
    const run = new RunBuilder(['a', 'b']).view(1, ['a', 'b'], { installers: ['a'] });
    run.installRecord('b', {
      group: 'g',
      id: 1,
      members: ['b', 'a'],
      coordinator: 'a',
      joined: [],
      left: [],
      failed: [],
    });
    expect(viewAgreement(run.histories()).count).toBe(1);
    const other = new RunBuilder(['a', 'b']).view(1, ['a', 'b'], { installers: ['a'] });
    other.installRecord('b', {
      group: 'g',
      id: 1,
      members: ['a', 'b'],
      coordinator: 'b',
      joined: [],
      left: [],
      failed: [],
    });
    expect(viewAgreement(other.histories()).count).toBe(1);
  });

  it('catches malformed views and views of another group', () => {
    const run = new RunBuilder(['a', 'b']).view(1, ['a', 'b'], { coordinator: 'z' });
    run.installRecord('a', {
      group: 'other',
      id: 2,
      members: ['a', 'b'],
      coordinator: 'a',
      joined: [],
      left: [],
      failed: [],
    });
    expect(messages(viewAgreement(run.histories()))).toEqual([
      'a installed view 2 of group other in group g',
      'view 1 has coordinator z, not one of its members',
    ]);
  });
});

describe('sameViewSequence', () => {
  it('passes when correct members install the same views', () => {
    expect(sameViewSequence(healthy().histories()).ok).toBe(true);
  });

  it('catches a member that skipped a view it belonged to', () => {
    const run = new RunBuilder(['a', 'b', 'c'])
      .view(1, ['a', 'b', 'c'])
      .view(2, ['a', 'b', 'c'], { installers: ['a', 'c'] });
    run.view(3, ['a', 'b', 'c']);
    const result = sameViewSequence(run.histories());
    expect(result.ok).toBe(false);
    expect(result.violations[0]).toMatchObject({ member: 'b', viewId: 2 });
  });

  it('catches two members going through different views between two common ones', () => {
    const run = new RunBuilder(['a', 'b']).view(1, ['a', 'b']);
    run
      .view(2, ['a', 'b'], { installers: ['a'] })
      .view(3, ['a', 'b'], { installers: ['b'] })
      .view(4, ['a', 'b']);
    const result = sameViewSequence(run.histories());
    expect(result.violations.map((v) => [v.member, v.viewId])).toEqual([
      ['b', 2],
      ['a', 3],
    ]);
  });

  it('accepts an excluded member that rejoins through a later view', () => {
    const run = new RunBuilder(['a', 'b', 'c']).view(1, ['a', 'b', 'c']).blocked('c').view(2, ['a', 'b']);
    run.view(3, ['a', 'b', 'c'], { joined: ['c'] });
    expect(sameViewSequence(run.histories()).ok).toBe(true);
  });

  it('rejects a rejoin that the rejoining view does not announce', () => {
    const run = new RunBuilder(['a', 'b', 'c']).view(1, ['a', 'b', 'c']).view(2, ['a', 'b']);
    run.view(3, ['a', 'b', 'c'], { joined: [] });
    expect(sameViewSequence(run.histories()).count).toBe(1);
  });

  it('does not compare crashed members', () => {
    const run = new RunBuilder(['a', 'b', 'c'])
      .view(1, ['a', 'b', 'c'])
      .view(2, ['a', 'b', 'c'], { installers: ['a', 'b'] });
    run.view(3, ['a', 'b', 'c']).crash('c');
    expect(sameViewSequence(run.histories()).ok).toBe(true);
  });
});

describe('primaryPartition', () => {
  it('passes when the majority excludes failed members', () => {
    const run = new RunBuilder(['a', 'b', 'c', 'd', 'e']).view(1, ['a', 'b', 'c', 'd', 'e']).crash('d').crash('e');
    run.view(2, ['a', 'b', 'c']);
    expect(primaryPartition(run.histories()).ok).toBe(true);
  });

  it('catches a minority view', () => {
    const run = new RunBuilder(['a', 'b', 'c', 'd', 'e']).view(1, ['a', 'b', 'c', 'd', 'e']);
    run.view(2, ['d', 'e']);
    const result = primaryPartition(run.histories());
    expect(result.ok).toBe(false);
    expect(result.violations[0]).toMatchObject({ viewId: 2 });
    expect(result.violations[0]!.message).toContain('keeps 2 of the 5 remaining members of view 1');
  });

  it("accepts the coordinator's side of a 2-2 split", () => {
    const run = new RunBuilder(['a', 'b', 'c', 'd']).view(1, ['a', 'b', 'c', 'd']).blocked('c').blocked('d');
    run.view(2, ['a', 'b']);
    expect(primaryPartition(run.histories()).ok).toBe(true);
  });

  it('rejects the other side of a 2-2 split', () => {
    const run = new RunBuilder(['a', 'b', 'c', 'd']).view(1, ['a', 'b', 'c', 'd']).blocked('a').blocked('b');
    run.view(2, ['c', 'd']);
    const result = primaryPartition(run.histories());
    expect(result.count).toBe(1);
    expect(result.violations[0]!.message).toContain('exactly half without the tie-breaker a');
  });

  it('does not count members that left, and breaks ties without a departed coordinator', () => {
    const five = ['a', 'b', 'c', 'd', 'e'];
    const ok = new RunBuilder(five)
      .view(1, five)
      .leave('a')
      .view(2, ['b', 'c'], { left: ['a'] });
    expect(primaryPartition(ok.histories()).ok).toBe(true);
    const bad = new RunBuilder(five)
      .view(1, five)
      .leave('a')
      .view(2, ['d', 'e'], { left: ['a'] });
    expect(primaryPartition(bad.histories()).count).toBe(1);
    const leaves = new RunBuilder(five).view(1, five).view(2, ['a', 'b'], { left: ['c', 'd'] });
    expect(primaryPartition(leaves.histories()).ok).toBe(true);
  });
});
