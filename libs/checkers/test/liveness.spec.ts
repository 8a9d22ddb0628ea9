import { describe, expect, it } from '@jest/globals';
import { liveness } from '../src/index.js';
import { RunBuilder } from './support/run-builder.js';

const abc = ['a', 'b', 'c'];

describe('liveness', () => {
  it('passes when live members share a final view of exactly themselves and lost nothing', () => {
    const run = new RunBuilder(abc).view(1, abc).multicast('a:1', abc).crash('c').view(2, ['a', 'b']);
    run.multicast('b:1', ['a', 'b']);
    expect(liveness(run.histories()).ok).toBe(true);
  });

  it('does not expect members that left', () => {
    const run = new RunBuilder(abc)
      .view(1, abc)
      .leave('c')
      .view(2, ['a', 'b'], { left: ['c'] });
    expect(liveness(run.histories()).ok).toBe(true);
  });

  it('catches members ending in different views, or blocked', () => {
    const run = new RunBuilder(abc).view(1, abc).blocked('c').view(2, ['a', 'b']);
    const result = liveness(run.histories());
    expect(result.violations.map((v) => v.message)).toEqual([
      'c is blocked in view 1 at the end',
      'c ended in view 1, a in view 2',
    ]);
  });

  it('catches a final view that still holds a crashed member', () => {
    const run = new RunBuilder(abc).view(1, abc).crash('c');
    expect(liveness(run.histories()).violations.map((v) => v.message)).toEqual([
      'final view 1 still contains c, which crashed',
    ]);
  });

  it('catches a final view that omits a live member, and a member that never joined', () => {
    const run = new RunBuilder(['a', 'b', 'c', 'd'])
      .view(1, ['a', 'b'])
      .view(2, ['a', 'b'], { installers: ['a', 'b', 'c'] });
    expect(liveness(run.histories()).violations.map((v) => v.message)).toEqual([
      'd never installed a view',
      'final view 2 omits live member c',
    ]);
  });

  it('catches a message of a correct sender never delivered by a live member', () => {
    const run = new RunBuilder(abc).view(1, abc).multicast('a:1', ['a', 'b']);
    const result = liveness(run.histories());
    expect(result.violations).toEqual([expect.objectContaining({ member: 'c', other: 'a', msgId: 'a:1' })]);
    expect(result.anomalies.lost).toEqual(['a:1']);
  });

  it('ignores members it is told are not expected to converge', () => {
    const run = new RunBuilder(abc).view(1, abc).blocked('c').view(2, ['a', 'b']);
    expect(liveness(run.histories(), { ignore: ['c'] }).ok).toBe(true);
  });
});
