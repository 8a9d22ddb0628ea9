#!/usr/bin/env node
import { arch, cpus, platform } from 'node:os';
import { performance } from 'node:perf_hooks';
import { startNatsServer, stopAllNatsServers } from '@cohort/nats-harness';
import type { BenchOptions } from './cli.js';
import { parseCli, USAGE, variantLabel } from './cli.js';
import { MemberClient } from './member-client.js';
import { measureJoinUnderLoad } from './join-under-load.js';
import { medianThroughput, renderTable } from './report.js';
import type { PlanResults } from './report.js';
import { cohortSpec, scenarioPlans } from './scenario-plan.js';
import type { ScenarioPlan } from './scenario-plan.js';
import type { ScenarioOutcome } from './scenario-runner.js';

/**
 * `npm run bench`: one private nats-server, `--members` member processes, and in turn raw NATS
 * fan-out, JetStream and Cohort in each ordering, all with the same processes, for `--rounds`
 * interleaved rounds after a warm-up. The table goes to stdout; progress goes to stderr.
 */

const out = (line: string): void => console.log(line);
const started = performance.now();
const progress = (line: string): void =>
  console.error(`bench [${((performance.now() - started) / 1000).toFixed(1)}s]: ${line}`);

// The warm-up round gets the JIT, connection buffers, the mesh and JetStream's store going; it is
// not reported. A fifth of the messages is enough for that.
const warmupMessages = (messages: number): number => Math.max(100, Math.round(messages / 5));

function header(options: BenchOptions, natsVersion: string): string[] {
  const cpu = cpus();
  const n = options.messages.toLocaleString('en-US');
  return [
    `cohort bench: ${options.members} member processes, each sends ${n} messages of ${options.payloadBytes} B per scenario and receives everyone's; ${options.inFlight} sends in flight per member; ${options.rounds} round${options.rounds === 1 ? '' : 's'} after a warm-up, medians`,
    `machine: ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? 'unknown'}), ${platform()} ${arch()}, node ${process.version}, nats-server ${natsVersion} (private, loopback)`,
    `delivered/s per member: messages a member delivered (${options.members} × ${n}, its own included) / its time from start to its last delivery, mean of members`,
    'multicasts/s group: messages sent by all members / time until the last member delivered its last',
    'vs raw NATS, vs JetStream: delivered/s per member over the baseline in the same round (median of rounds); spread: (max - min) / median of delivered/s over rounds',
    '',
  ];
}

async function runRound(
  plans: readonly ScenarioPlan[],
  members: readonly MemberClient[],
  round: number,
  messages: number,
  skip: ReadonlySet<ScenarioPlan>,
): Promise<Map<ScenarioPlan, ScenarioOutcome>> {
  const outcomes = new Map<ScenarioPlan, ScenarioOutcome>();
  for (const plan of plans) {
    if (skip.has(plan)) continue;
    progress(`round ${round === 0 ? 'warm-up' : round}: ${plan.label}`);
    const outcome = await plan.run(members, round, messages);
    if (outcome.kind !== 'measured') progress(`  ${outcome.kind}: ${outcome.reason}`);
    outcomes.set(plan, outcome);
  }
  return outcomes;
}

/** The join-under-load lines for the first Cohort variant that the rounds measured. */
async function joinUnderLoad(
  options: BenchOptions,
  rows: readonly PlanResults[],
  members: readonly MemberClient[],
  spawnJoiner: () => Promise<MemberClient>,
): Promise<string[]> {
  const names = members.map((m) => m.name);
  for (const { plan, outcomes } of rows) {
    const measured = medianThroughput(names, outcomes);
    if (plan.variant === undefined || measured === undefined) continue;
    const label = variantLabel(plan.variant);
    progress(`join under load: cohort ${label}`);
    const group = `${plan.variant.ordering}-${plan.variant.delivery}-join`;
    try {
      const lines = await measureJoinUnderLoad({
        members,
        joiner: await spawnJoiner(),
        variant: plan.variant,
        spec: cohortSpec(options, plan.variant, group, options.messages),
        trafficMs: measured.elapsedMs,
        perMemberBaseline: measured.perMember,
      });
      return ['', ...lines];
    } catch (error) {
      // The table above is still worth printing.
      return ['', `join under load, cohort ${label}: failed (${(error as Error).message.split('\n')[0]})`];
    }
  }
  return ['', 'join under load: skipped (no Cohort variant was measured)'];
}

async function main(options: BenchOptions): Promise<number> {
  const server = await startNatsServer({ name: 'bench', jetstream: true });
  const spawned: MemberClient[] = [];
  try {
    const { version } = await server.varz();
    const namespace = `bench${process.pid}`;
    progress(`nats-server ${server.url}; starting ${options.members} member processes`);
    const spawnMember = async (name: string): Promise<MemberClient> => {
      const member = await MemberClient.spawn({ name, natsUrl: server.url, namespace });
      spawned.push(member);
      return member;
    };
    const members = await Promise.all(Array.from({ length: options.members }, (_, i) => spawnMember(`m${i + 1}`)));
    const plans = scenarioPlans(options, server.url);
    // A variant this build does not offer says so in the warm-up; the rounds skip it.
    const warmup = await runRound(plans, members, 0, warmupMessages(options.messages), new Set());
    const unavailable = new Set(plans.filter((p) => warmup.get(p)?.kind === 'unavailable'));
    const results = new Map<ScenarioPlan, ScenarioOutcome[]>(
      plans.map((p) => [p, unavailable.has(p) ? [warmup.get(p) as ScenarioOutcome] : []]),
    );
    for (let round = 1; round <= options.rounds; round++) {
      const outcomes = await runRound(plans, members, round, options.messages, unavailable);
      for (const [plan, outcome] of outcomes) results.get(plan)?.push(outcome);
    }
    const rows: PlanResults[] = plans.map((plan) => ({ plan, outcomes: results.get(plan) ?? [] }));
    const joinLines = options.joinUnderLoad
      ? await joinUnderLoad(options, rows, members, () => spawnMember('joiner'))
      : [];
    const table = renderTable(
      rows,
      members.map((m) => m.name),
    );
    for (const line of [...header(options, version), ...table, ...joinLines]) out(line);
    return rows.some((r) => r.outcomes.some((o) => o.kind === 'failed')) ? 1 : 0;
  } finally {
    progress('stopping');
    await Promise.all(spawned.map((m) => m.exit()));
    await server.dispose();
  }
}

let options: BenchOptions;
try {
  options = parseCli(process.argv.slice(2));
} catch (error) {
  console.error(`bench: ${(error as Error).message}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
main(options).then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await stopAllNatsServers();
    process.exit(1);
  },
);
