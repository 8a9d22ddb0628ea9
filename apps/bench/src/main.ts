#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startNatsServer, stopAllNatsServers } from '@cohort/nats-harness';
import type { BenchOptions, Shape } from './cli.js';
import { parseCli, shapeLabel, shapesOf, USAGE, variantLabel } from './cli.js';
import { renderChart } from './chart.js';
import { measureLatency, renderLatency } from './latency-pass.js';
import type { LatencyRow } from './latency-pass.js';
import { MemberClient } from './member-client.js';
import { measureJoinUnderLoad } from './join-under-load.js';
import { figures, medianThroughput, renderTable } from './report.js';
import type { PlanResults, RowFigures } from './report.js';
import { renderResources } from './resources.js';
import { measureMembership, renderMembership } from './membership-pass.js';
import type { MembershipResult } from './membership-pass.js';
import { evaluateTargets, renderTargets } from './targets.js';
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
    `cohort bench: each sender sends ${n} messages per scenario and every member receives them all; ${options.inFlight} sends in flight per sender; ${options.rounds} round${options.rounds === 1 ? '' : 's'} after a warm-up, medians`,
    `machine: ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? 'unknown'}), ${platform()} ${arch()}, node ${process.version}, nats-server ${natsVersion} (private, loopback); JetStream: R1, ${options.storage} storage`,
    'delivered/s per member: messages a member delivered (its own included) / its time from start to its last delivery, mean of members',
    'multicasts/s group: messages sent by all senders / time until the last member delivered its last',
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
  shape: Shape,
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
        spec: cohortSpec(options, shape, plan.variant, group, options.messages),
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

/** What one shape gave: its table rows, figures, latency pass and join-under-load lines. */
interface ShapeResults {
  readonly shape: Shape;
  readonly rows: readonly PlanResults[];
  readonly figures: readonly RowFigures[];
  readonly latency: readonly LatencyRow[];
  readonly lines: readonly string[];
  readonly failed: boolean;
}

/** Runs every scenario of one shape with its own member processes. */
async function runShape(
  options: BenchOptions,
  shape: Shape,
  natsUrl: string,
  namespace: string,
  withJoin: boolean,
): Promise<ShapeResults> {
  const spawned: MemberClient[] = [];
  const spawnMember = async (name: string): Promise<MemberClient> => {
    const member = await MemberClient.spawn({ name, natsUrl, namespace });
    spawned.push(member);
    return member;
  };
  try {
    progress(`${shapeLabel(shape)}: starting ${shape.members} member processes`);
    const members = await Promise.all(Array.from({ length: shape.members }, (_, i) => spawnMember(`m${i + 1}`)));
    const plans = scenarioPlans(options, shape, natsUrl);
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
    const names = members.map((m) => m.name);
    const rowFigures = figures(rows, names);
    const senders = shape.senders === 'all' ? shape.members : 1;
    const latency = options.latency
      ? await measureLatency(plans, rowFigures, members, senders, options.messages, progress)
      : [];
    const joinLines = withJoin ? await joinUnderLoad(options, shape, rows, members, () => spawnMember('joiner')) : [];
    const lines = [
      `## ${shapeLabel(shape)}`,
      '',
      ...renderTable(rows, names),
      '',
      ...renderResources(rowFigures),
      ...(latency.length === 0
        ? []
        : ['', 'latency at half load (send → delivery at each member):', ...renderLatency(latency)]),
      ...joinLines,
      '',
    ];
    const failed = rows.some((r) => r.outcomes.some((o) => o.kind === 'failed'));
    return { shape, rows, figures: rowFigures, latency, lines, failed };
  } finally {
    await Promise.all(spawned.map((m) => m.exit()));
  }
}

async function main(options: BenchOptions): Promise<number> {
  const server = await startNatsServer({ name: 'bench', jetstream: true });
  try {
    const { version } = await server.varz();
    progress(`nats-server ${server.url}`);
    const shapes = shapesOf(options);
    const done: ShapeResults[] = [];
    for (const [i, shape] of shapes.entries()) {
      done.push(
        await runShape(options, shape, server.url, `bench${process.pid}s${i}`, options.joinUnderLoad && i === 0),
      );
    }
    const membership =
      options.membershipRuns === 0 ? [] : await measureMembership(options.membershipRuns, options.stateMiB, progress);
    const targets = evaluateTargets(done, membership);
    for (const line of [
      ...header(options, version),
      ...done.flatMap((d) => d.lines),
      ...(membership.length === 0 ? [] : [...renderMembership(membership), '']),
      ...renderTargets(targets),
    ]) {
      out(line);
    }
    const written = writeResults(options, version, done, membership, targets);
    out('');
    out(`results: ${written.json}, chart: ${written.svg}`);
    return done.some((d) => d.failed) || membership.some((m) => m.failure !== undefined) ? 1 : 0;
  } finally {
    progress('stopping');
    await server.dispose();
  }
}

function writeResults(
  options: BenchOptions,
  natsVersion: string,
  done: readonly ShapeResults[],
  membership: readonly MembershipResult[],
  targets: ReturnType<typeof evaluateTargets>,
): { json: string; svg: string } {
  mkdirSync(options.outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const cpu = cpus();
  const { help: _help, ...settings } = options;
  const results = {
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    machine: {
      cpus: cpu.length,
      model: cpu[0]?.model.trim(),
      platform: platform(),
      arch: arch(),
      node: process.version,
      natsServer: natsVersion,
    },
    options: settings,
    shapes: done.map((d) => ({
      shape: d.shape,
      scenarios: d.figures,
      latency: d.latency,
    })),
    membership,
    targets,
  };
  const json = join(options.outDir, `bench-${stamp}.json`);
  const svg = join(options.outDir, `bench-${stamp}.svg`);
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(
    svg,
    renderChart(
      `cohort bench, ${results.startedAt.slice(0, 16)}: ${cpu.length} CPUs, node ${process.version}`,
      done.map((d) => ({ label: shapeLabel(d.shape), rows: d.figures, latency: d.latency })),
    ),
  );
  writeFileSync(join(options.outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  return { json, svg };
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
