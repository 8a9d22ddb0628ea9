#!/usr/bin/env node
import { stopAllNatsServers } from '@cohort/nats-harness';
import { USAGE, parseCli } from './cli.js';
import { formatChaosReport } from './report.js';
import { runChaos } from './run.js';

// `npm run chaos -- ...`: exit 0 when the run found nothing, 1 on any anomaly or failed check,
// 2 when the flags are wrong or the run could not be set up (no nats-server, ...).

let parsed;
try {
  parsed = parseCli(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (parsed.help) {
  console.log(USAGE);
  process.exit(0);
}
const o = parsed.options;
try {
  const report = await runChaos({
    seed: o.seed,
    durationMs: o.durationMs,
    ordering: o.ordering,
    delivery: o.delivery,
    long: o.long,
    slow: o.slow,
    ...(o.schedule === undefined ? {} : { schedule: o.schedule }),
    ...(o.scheduleFile === undefined ? {} : { scheduleFile: o.scheduleFile }),
    out: o.out,
    sendEveryMs: o.sendEveryMs,
    maxInFlight: o.maxInFlight,
  });
  console.log('');
  for (const line of formatChaosReport(report, o.verbose)) console.log(line);
  process.exitCode = report.ok ? 0 : 1;
} catch (error) {
  console.error(`chaos: the run could not be carried out: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 2;
} finally {
  await stopAllNatsServers();
}
