import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCli, reproduceCommand } from '../src/cli.js';
import { planSchedule } from '../src/schedule.js';

const options = (argv: string[]) => {
  const parsed = parseCli(argv, 123_456_789);
  if (parsed.help) throw new Error('help');
  return parsed.options;
};

describe('parseCli', () => {
  it('has defaults, a clock seed, and a longer default duration in long mode', () => {
    expect(options([])).toMatchObject({ seed: 456_789, durationMs: 60_000, ordering: 'total', delivery: 'agreed' });
    expect(options(['--long']).durationMs).toBe(300_000);
    expect(options(['--seed', '5', '--duration', '20', '--ordering', 'causal', '--delivery', 'safe'])).toMatchObject({
      seed: 5,
      durationMs: 20_000,
      ordering: 'causal',
      delivery: 'safe',
    });
    expect(parseCli(['--help'])).toEqual({ help: true });
  });

  it('rejects what it cannot use, naming the flag', () => {
    expect(() => options(['--ordering', 'random'])).toThrow(/--ordering must be one of total, causal, fifo/);
    expect(() => options(['--duration', '0'])).toThrow(/--duration must be an integer ≥ 1/);
    expect(() => options(['--seed', '-1'])).toThrow();
    expect(() => options(['--schedule', '/nonexistent/schedule.json'])).toThrow(/no such file/);
    expect(() => options(['--bogus'])).toThrow(/bogus/);
    expect(() => options(['--slow', 'stall'])).toThrow(/--slow applies to --long only/);
    expect(() => options(['--long', '--slow', 'late'])).toThrow(/--slow must be one of deaf, stall/);
  });

  it('takes a schedule from a file or inline, with its seed and duration', () => {
    const schedule = planSchedule({ seed: 42, durationMs: 45_000 });
    const file = join(mkdtempSync(join(tmpdir(), 'chaos-cli-')), 'schedule.json');
    writeFileSync(file, JSON.stringify(schedule));
    expect(options(['--schedule', file])).toMatchObject({ seed: 42, durationMs: 45_000, schedule, scheduleFile: file });
    const inline = options(['--schedule', JSON.stringify(schedule)]);
    expect(inline.schedule).toEqual(schedule);
    expect(inline.scheduleFile).toBeUndefined();
  });
});

describe('reproduceCommand', () => {
  const base = {
    seed: 9,
    durationMs: 60_000,
    ordering: 'fifo',
    delivery: 'safe',
    long: false,
    sendEveryMs: 10,
    maxInFlight: 4,
  };

  it('gives the flags that re-plan the same schedule', () => {
    expect(reproduceCommand(base)).toBe('npm run chaos -- --seed 9 --duration 60 --ordering fifo --delivery safe');
    expect(reproduceCommand({ ...base, long: true, sendEveryMs: 20 })).toBe(
      'npm run chaos -- --seed 9 --duration 60 --ordering fifo --delivery safe --long --send-every-ms 20',
    );
    expect(options(reproduceCommand(base).split(' ').slice(4))).toMatchObject({ seed: 9, durationMs: 60_000 });
    const stall = reproduceCommand({ ...base, long: true, slow: 'stall' });
    expect(stall).toBe('npm run chaos -- --seed 9 --duration 60 --ordering fifo --delivery safe --long --slow stall');
    expect(options(stall.split(' ').slice(4))).toMatchObject({ long: true, slow: 'stall' });
  });

  it('names the schedule file of a replayed run', () => {
    expect(reproduceCommand({ ...base, scheduleFile: 'chaos-results/x/schedule.json' })).toBe(
      'npm run chaos -- --schedule chaos-results/x/schedule.json --ordering fifo --delivery safe',
    );
  });
});
