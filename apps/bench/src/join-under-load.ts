import { setTimeout as sleep } from 'node:timers/promises';
import type { CohortVariant } from './cli.js';
import { variantLabel } from './cli.js';
import type { MemberClient } from './member-client.js';
import type { JoinResult, MemberResult, ScenarioSpec } from './messages.js';
import { median, throughputOf } from './report.js';
import { finishAll, goAll, prepareAll } from './scenario-runner.js';

const JOIN_TIMEOUT_MS = 30_000;

export interface JoinUnderLoadInput {
  readonly members: readonly MemberClient[];
  readonly joiner: MemberClient;
  readonly variant: CohortVariant;
  /** The members' scenario, the same as in the rounds but for its group. */
  readonly spec: Extract<ScenarioSpec, { kind: 'cohort' }>;
  /** How long this variant's traffic took in the rounds: the joiner starts a third of the way in. */
  readonly trafficMs: number;
  /** This variant's median delivered/s per member in the rounds, for comparison. */
  readonly perMemberBaseline: number | undefined;
}

const ms = (n: number): string => `${Math.round(n)} ms`;

/**
 * Measures what a view change costs while traffic runs (DESIGN §5.4): the members multicast as in
 * a round, and one more process joins the group a third of the way in. Reports how long its join
 * took at the joiner and until every member installed the view with it, how long the flush kept
 * members blocked, and the members' throughput over that run.
 */
export async function measureJoinUnderLoad(input: JoinUnderLoadInput): Promise<string[]> {
  const { members, joiner, variant, spec } = input;
  const title = `join under load, cohort ${variantLabel(variant)}`;
  const joinerSpec: ScenarioSpec = {
    kind: 'joiner',
    group: spec.group,
    ordering: spec.ordering,
    delivery: spec.delivery,
  };
  try {
    const notReady = await prepareAll(members, spec);
    if (notReady !== undefined) return [`${title}: ${notReady.kind} (${notReady.reason})`];
    const prepared = await joiner.request({ cmd: 'prepare', spec: joinerSpec }, JOIN_TIMEOUT_MS);
    if (prepared.event !== 'ready') return [`${title}: the joiner could not start (${JSON.stringify(prepared)})`];
    const traffic = goAll(members);
    await sleep(Math.max(10, input.trafficMs / 3));
    const joined = await joiner.request({ cmd: 'go' }, JOIN_TIMEOUT_MS);
    const outcome = await traffic;
    if (joined.event !== 'joined') return [`${title}: the join failed (${JSON.stringify(joined)})`];
    if (outcome.kind !== 'measured') return [`${title}: ${outcome.kind} (${outcome.reason})`];
    return describe(title, members, joined.result, outcome.results, input.perMemberBaseline);
  } finally {
    await finishAll(members);
    await joiner.request({ cmd: 'finish' }, JOIN_TIMEOUT_MS);
  }
}

function describe(
  title: string,
  members: readonly MemberClient[],
  joined: JoinResult,
  results: readonly MemberResult[],
  perMemberBaseline: number | undefined,
): string[] {
  const timelines = results.flatMap((r) => (r.timeline === undefined ? [] : [r.timeline]));
  if (timelines.length < results.length) return [`${title}: the members did not report their views`];
  // The members record views while their traffic runs; a join that ends later is not seen there.
  const installs = timelines.map((t) => t.views.find((v) => v.size > members.length && v.at >= joined.startedAt));
  const blocked = timelines.flatMap((t) => t.blockedMs);
  const startedAt = Math.min(...timelines.map((t) => t.startedAt));
  const endedAt = Math.max(...timelines.map((t) => t.lastDeliveryAt));
  const throughput = throughputOf(
    members.map((m) => m.name),
    results,
  );
  const installedEverywhere = installs.every((v) => v !== undefined);
  const lastInstall = Math.max(...installs.map((v) => v?.at ?? Number.NaN));
  return [
    `${title}: process ${members.length + 1} called join() ${ms(joined.startedAt - startedAt)} into the members' traffic, which ran ${ms(endedAt - startedAt)}`,
    `    join() → first view at the joiner: ${ms(joined.installedAt - joined.startedAt)}; → that view installed at every member: ${installedEverywhere ? ms(lastInstall - joined.startedAt) : 'not seen at every member while the traffic ran'}`,
    blocked.length === 0
      ? '    members blocked by the flush: not seen (no member reported status flushing)'
      : `    members blocked by the flush (status flushing): longest ${ms(Math.max(...blocked))}, median ${ms(median(blocked))} (${blocked.length} intervals, one per member and flush)`,
    `    delivered/s per member over this run: ${Math.round(throughput.perMember).toLocaleString('en-US')}${perMemberBaseline === undefined ? '' : ` (${(throughput.perMember / perMemberBaseline).toFixed(2)} of the rounds' median)`}${throughput.shortfalls.length === 0 ? '' : `; incomplete: ${throughput.shortfalls.join(', ')}`}`,
  ];
}
