import { describe, expect, it } from '@jest/globals';
import {
  FAULT_KINDS,
  MAX_MEMBERS,
  DETECTOR_SILENCE_MS,
  parseSchedule,
  planSchedule,
  serverOfSlot,
} from '../src/schedule.js';

describe('planSchedule', () => {
  it('depends on the seed and duration only', () => {
    expect(planSchedule({ seed: 7, durationMs: 60_000 })).toEqual(planSchedule({ seed: 7, durationMs: 60_000 }));
    expect(planSchedule({ seed: 7, durationMs: 60_000 })).not.toEqual(planSchedule({ seed: 8, durationMs: 60_000 }));
  });

  it('draws every kind once in each round of six, in increasing time, within the duration', () => {
    for (let seed = 0; seed < 50; seed++) {
      const { faults } = planSchedule({ seed, durationMs: 120_000 });
      expect(new Set(faults.slice(0, 6).map((f) => f.kind)).size).toBe(FAULT_KINDS.length);
      for (let i = 1; i < faults.length; i++) expect(faults[i]!.at).toBeGreaterThan(faults[i - 1]!.at);
      expect(faults.at(-1)!.at).toBeLessThan(120_000);
    }
  });

  it('never grows the group past MAX_MEMBERS, and keeps pauses clear of the detector limit', () => {
    for (let seed = 0; seed < 50; seed++) {
      const { faults } = planSchedule({ seed, durationMs: 600_000 });
      expect(faults.filter((f) => f.kind === 'join').length).toBeLessThanOrEqual(MAX_MEMBERS - 5);
      for (const f of faults.filter((x) => x.kind === 'pause-member')) {
        expect(Math.abs(f.durationMs - DETECTOR_SILENCE_MS)).toBeGreaterThanOrEqual(300);
      }
      for (const f of faults.filter((x) => x.kind === 'slow-consumer' && x.slow === 'stall')) {
        expect(f.periodMs! - f.blockMs!).toBeGreaterThan(0);
        expect(f.periodMs!).toBeLessThan(DETECTOR_SILENCE_MS);
      }
    }
  });

  it('long mode with a stalled member', () => {
    const { faults } = planSchedule({ seed: 1, durationMs: 300_000, long: true, slow: 'stall' });
    expect(faults).toMatchObject([{ kind: 'slow-consumer', target: 'm3', slow: 'stall', blockMs: 350, periodMs: 400 }]);
  });

  it('long mode: one member deaf for most of the run', () => {
    const { faults } = planSchedule({ seed: 1, durationMs: 300_000, long: true });
    expect(faults).toEqual([
      {
        at: 15_000,
        kind: 'slow-consumer',
        target: 'm3',
        durationMs: 270_000,
        slow: 'deaf',
      },
    ]);
  });
});

describe('parseSchedule', () => {
  it('reads back what a run saves', () => {
    const schedule = planSchedule({ seed: 3, durationMs: 90_000 });
    expect(parseSchedule(JSON.stringify(schedule))).toEqual(schedule);
  });

  it('says what is wrong', () => {
    const base = { version: 1, seed: 1, durationMs: 1000, members: 5 };
    const bad = (faults: unknown[]) => () => parseSchedule(JSON.stringify({ ...base, faults }));
    expect(() => parseSchedule('{')).toThrow(/not JSON/);
    expect(() => parseSchedule(JSON.stringify({ ...base, version: 2, faults: [] }))).toThrow(/version must be 1/);
    expect(bad([{ at: 0, kind: 'explode', target: 'm1', durationMs: 0 }])).toThrow(/kind must be one of/);
    expect(bad([{ at: 0, kind: 'kill-member', target: 'm9', durationMs: 0 }])).toThrow(/not a member slot/);
    expect(bad([{ at: 0, kind: 'restart-server', target: 'nats-4', durationMs: 0 }])).toThrow(/nats-1 to nats-3/);
    expect(bad([{ at: 0, kind: 'join', target: 'm2', durationMs: 0 }])).toThrow(/new slot name/);
    expect(bad([{ at: 0, kind: 'slow-consumer', target: 'm2', durationMs: 5, blockMs: 5, periodMs: 5 }])).toThrow(
      /blockMs < periodMs/,
    );
    expect(bad([{ at: 0, kind: 'slow-consumer', target: 'm2', durationMs: 5, slow: 'deaf' }])).not.toThrow();
    expect(bad([{ at: 0, kind: 'slow-consumer', target: 'm2', durationMs: 5, slow: 'mute' }])).toThrow(/stall or deaf/);
    // A joined slot can be a later fault's target.
    expect(() =>
      bad([
        { at: 0, kind: 'join', target: 'm6', durationMs: 0 },
        { at: 1, kind: 'pause-member', target: 'm6', durationMs: 100 },
      ])(),
    ).not.toThrow();
  });
});

describe('serverOfSlot', () => {
  it('attaches slots round-robin to the three servers', () => {
    expect(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7'].map((s) => serverOfSlot(s))).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(() => serverOfSlot('x1')).toThrow(/not a member slot/);
  });
});
