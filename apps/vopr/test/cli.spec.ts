import { describe, expect, it } from '@jest/globals';
import { parseCli, runCli, scenarioFor } from '../src/cli.js';

function run(argv: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  let t = 0;
  const code = runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l), now: () => (t += 1) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('vopr CLI', () => {
  it('parses seed ranges and scenario flags', () => {
    expect(parseCli(['--seeds', '20', '--from', '5', '--nodes', '3', '--loss=0.1'])).toMatchObject({
      from: 5,
      count: 20,
      vary: false,
      given: { nodes: 3, faults: { loss: 0.1 } },
    });
    expect(parseCli(['--seed', '42'])).toMatchObject({ from: 42, count: 1 });
    expect(() => parseCli(['--seeds', '-1'])).toThrow(/non-negative/);
    expect(() => parseCli(['--frobnicate'])).toThrow(/unknown argument/);
  });

  it('lets explicit flags win over the varied shape', () => {
    const options = parseCli(['--vary', '--nodes', '7', '--loss', '0']);
    for (const seed of [1, 2, 3])
      expect(scenarioFor(options, seed)).toMatchObject({ seed, nodes: 7, faults: { loss: 0 } });
    expect(scenarioFor(parseCli([]), 9)).toEqual({ seed: 9, faults: {} });
  });

  it('runs seeds and exits 0 when all pass', () => {
    const { code, out, err } = run(['--seeds', '5', '--vary', '--leaves', '0']);
    expect(code).toBe(0);
    expect(out).toMatch(/^vopr: all 5 seeds \(0\.\.4\), \d+ events, \d+ frames, .* passed$/);
    expect(err).toContain('5/5 seeds, 0 failed');
  });

  it('stops at the first failing seed, prints its report and how to replay it, exits 1', () => {
    // Heavy loss and no quiet phase: multicasts cannot all be delivered by the end, a sure liveness failure.
    const { code, out } = run(['--seeds', '3', '--from', '10', '--loss', '0.6', '--quiet', '0', '--leaves', '0']);
    expect(code).toBe(1);
    expect(out).toContain('seed 10 FAILED\nreplay: npx vopr --seed 10 --quiet 0 --loss 0.6 --leaves 0\n');
    expect(out).toContain('FAIL  liveness');
    expect(out).toMatch(
      /vopr: 1 failed of 1 seed \(10\.\.10\).*: seeds 10\nreplay the first: npx vopr --seed 10 --quiet 0 --loss 0.6 --leaves 0$/,
    );
  });

  it('replays one seed, with a trace on request', () => {
    const { code, out } = run(['--seed', '3', '--leaves', '0', '--trace']);
    expect(code).toBe(0);
    expect(out).toContain('t=0 n0 <- start');
    expect(out).toMatch(/seed 3 ok: 4 nodes x 20 msgs/);
  });

  it('reports bad usage with exit code 2', () => {
    expect(run(['--loss', 'x']).code).toBe(2);
    expect(run(['--seeds', '2', '--trace']).code).toBe(2);
    expect(run(['--help']).out).toContain('usage: vopr');
  });

  it('--mesh: runs mesh seeds, and a failing one prints a replay command that reproduces it exactly', () => {
    expect(parseCli(['--mesh', '--seed', '5', '--nodes', '7', '--config', 'suspectAfterMs=300'])).toMatchObject({
      mode: 'mesh',
      from: 5,
      count: 1,
      given: { nodes: 7, config: { suspectAfterMs: 300 } },
    });
    // Lossless FIFO links of 1 ms: no stale ballots, so mesh bug M1 (zero-ballot nacks) stays out.
    const passing = run(['--mesh', '--seeds', '3', '--loss', '0', '--dup', '0', '--max-delay', '1', '--fifo']);
    expect(passing.code).toBe(0);
    expect(passing.out).toMatch(/^vopr: all 3 seeds \(0\.\.2\)/);
    // Crashing the root of two nodes blocks the younger for good: a sure convergence failure.
    const failing = run([
      '--mesh',
      '--seeds',
      '2',
      '--from',
      '3',
      '--nodes',
      '2',
      '--loss',
      '0',
      '--script',
      '[{"at":3000,"kind":"crash","node":"n0"}]',
    ]);
    expect(failing.code).toBe(1);
    expect(failing.out).toContain('mesh seed 3 FAILED');
    expect(failing.out).toContain('FAIL  convergence');
    const replay = /replay the first: npx vopr (.*)$/.exec(failing.out)![1]!;
    const argv = replay.split(/ (?=--)/).flatMap((a) => {
      const space = a.indexOf(' ');
      return space < 0 ? [a] : [a.slice(0, space), a.slice(space + 1).replace(/^'(.*)'$/, '$1')];
    });
    const again = run(argv);
    expect(again.code).toBe(1);
    expect(again.out.slice(again.out.indexOf('mesh seed 3 FAILED\n'), again.out.indexOf('vopr:'))).toEqual(
      failing.out.slice(failing.out.indexOf('mesh seed 3 FAILED\n'), failing.out.indexOf('vopr:')),
    );
  });

  it('--full: runs full-node seeds; a failing one prints a replay command that reproduces it exactly', () => {
    expect(
      parseCli(['--full', '--seed', '5', '--nodes', '4', '--groups', '3', '--mesh-config', 'suspectAfterMs=300']),
    ).toMatchObject({
      mode: 'full',
      from: 5,
      count: 1,
      given: { nodes: 4, groups: 3, mesh: { suspectAfterMs: 300 } },
    });
    expect(() => parseCli(['--full', '--mesh'])).toThrow(/exclude each other/);
    const lossless = ['--loss', '0', '--dup', '0', '--max-delay', '1', '--fifo', '--joins', 'concurrent-after-first'];
    const passing = run(['--full', '--seeds', '2', '--concurrent-joins', '1', ...lossless]);
    expect(passing.code).toBe(0);
    expect(passing.out).toMatch(/^vopr: all 2 seeds \(0\.\.1\)/);
    // Crashing the root of two nodes blocks the younger for good: a sure convergence failure.
    const script = '[{"at":3000,"kind":"crash","node":"n0"}]';
    const failing = run(['--full', '--seed', '3', '--nodes', '2', '--groups', '1', '--loss', '0', '--script', script]);
    expect(failing.code).toBe(1);
    expect(failing.out).toContain('full seed 3 FAILED');
    expect(failing.out).toContain('FAIL  convergence');
    const replay = /replay the first: npx vopr (.*)$/.exec(failing.out)![1]!;
    expect(replay).toBe(`--full --seed 3 --nodes 2 --groups 1 --loss 0 --script '${script}'`);
    const again = run(['--full', '--seed', '3', '--nodes', '2', '--groups', '1', '--loss', '0', '--script', script]);
    expect(again.code).toBe(1);
    expect(again.out).toEqual(failing.out);
  });
});
