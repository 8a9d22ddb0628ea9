import { afterAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { stopAllNatsServers } from '@cohort/nats-harness';
import { formatChaosReport } from '../src/report.js';
import { runChaos } from '../src/run.js';
import { FAULT_KINDS, planSchedule } from '../src/schedule.js';

// The short chaos run of `npm test`: the runner's library function (not a child `npm run`), a
// fixed seed whose 31 s plan holds every fault kind once (one shuffled round of the nemesis's
// bag, with a long pause, so that a removed member rejoins as a new incarnation). It must find
// no anomaly and pass every check; its results go to chaos-results/ like the CLI's.
const SEED = 260;
const DURATION_MS = 31_000;
const out = fileURLToPath(new URL('../../../chaos-results', import.meta.url));

afterAll(async () => {
  await stopAllNatsServers();
});

describe('chaos runner, short run', () => {
  it('the plan of the fixed seed covers every fault kind', () => {
    const kinds = new Set(planSchedule({ seed: SEED, durationMs: DURATION_MS }).faults.map((f) => f.kind));
    expect([...kinds].sort()).toEqual([...FAULT_KINDS].sort());
  });

  it('total/agreed: every fault kind once, then no anomaly and every check ok', async () => {
    const log: string[] = [];
    const report = await runChaos({
      seed: SEED,
      durationMs: DURATION_MS,
      ordering: 'total',
      delivery: 'agreed',
      out,
      log: (line) => log.push(line),
    });
    const text = [...log, '', ...formatChaosReport(report, true)].join('\n');
    console.log(text);
    if (!report.ok) throw new Error(`the chaos run failed:\n${text}`);
    expect(report.faults.map((f) => f.skipped ?? f.error ?? 'applied')).toEqual(report.faults.map(() => 'applied'));
    expect(report.anomalies).toEqual({ lost: 0, unexpected: 0, duplicated: 0, outOfOrder: 0, diverged: 0 });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    // A run whose members multicast nothing would pass every check.
    expect(report.totals.delivered).toBeGreaterThan(1_000);
  }, 180_000);
});
