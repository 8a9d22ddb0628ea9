import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { checkAll, formatReport } from '@cohort/checkers';
import type { CheckAllOptions, MemberHistory } from '@cohort/checkers';
import { GROUP_NODE_FIXTURE, Traffic, spawnNode, startNatsCluster, stopAllNatsServers } from '@cohort/nats-harness';
import type { GroupMode, NatsClusterProcess, NodeProcess, ViewLine } from '@cohort/nats-harness';

// Ordered multicast across OS processes on real nats-servers: five members multicast concurrently,
// a bounded number in flight each, and one of them is SIGKILLed (or leaves with SIGTERM) mid-stream.
// The survivors keep multicasting, drain, and every history goes through the checkers; under total
// order the survivors' delivery logs must also be one and the same sequence. Timings are printed for
// the record, never asserted.
//
// The members are spread over a 3-node cluster. Through one server, a message reaches every
// subscriber before anything sent in answer to it, so causal order holds whatever the protocol does;
// across routes it does not (a protocol that ignored vector clocks passed on one server and broke
// causal order dozens of times per run here).
const fixture = GROUP_NODE_FIXTURE;
const GROUP = 'g';
const MEMBERS = 5;
// A member multicasts at most every SEND_EVERY_MS with at most MAX_IN_FLIGHT unacknowledged: a
// steady stream that the 2-core CI machine carries without starving anyone's heartbeats.
const SEND_EVERY_MS = 5;
const MAX_IN_FLIGHT = 8;
// "Mid-stream": every member has had this many multicasts acknowledged when the fault hits ...
const ACKED_BEFORE_FAULT = 150;
// ... and every survivor this many more in the views after it, before they stop.
const ACKED_AFTER_FAULT = 50;

let cluster: NatsClusterProcess;
/** The current test's nodes, SIGKILLed after it however it ended. */
const running: NodeProcess[] = [];

/** Member `index` (0 to 4), on server `index` mod 3. */
async function spawn(
  ns: string,
  index: number,
  mode: GroupMode,
  env: NodeJS.ProcessEnv = { SEND_FROM_MEMBERS: String(MEMBERS) },
): Promise<NodeProcess> {
  const node = await spawnNode({
    fixture,
    name: `m${index + 1}`,
    groups: [GROUP],
    env: {
      NATS_URL: cluster.urls[index % cluster.urls.length],
      COHORT_NAMESPACE: ns,
      ORDERING: mode.ordering,
      DELIVERY: mode.delivery,
      SEND_EVERY_MS: String(SEND_EVERY_MS),
      MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
      ...env,
    },
  });
  running.push(node);
  return node;
}

function lastView(node: NodeProcess): ViewLine {
  const view = node.groupViews(GROUP).at(-1);
  if (view === undefined) throw new Error(`${node.name} has installed no view of ${GROUP}`);
  return view;
}

/**
 * The first member creates the group; the other four then join at once. Everyone multicasts from
 * its first view of all five, so every delivery log starts in a view that holds every member.
 */
async function startGroup(ns: string, mode: GroupMode): Promise<NodeProcess[]> {
  const startedAt = Date.now();
  const first = await spawn(ns, 0, mode);
  await first.waitGroupView(GROUP, (v) => v.members.includes(first.id), { timeoutMs: 15_000, what: 'its group' });
  const rest = await Promise.all(Array.from({ length: MEMBERS - 1 }, (_, i) => spawn(ns, i + 1, mode)));
  const nodes = [first, ...rest];
  await Promise.all(
    nodes.map((n) =>
      n.waitGroupView(GROUP, (v) => v.members.length === MEMBERS, { timeoutMs: 15_000, what: 'a view of five' }),
    ),
  );
  console.log(`${ns}: five members in one view ${Date.now() - startedAt} ms after the first spawn`);
  return nodes;
}

/** Whom the fault hits: the coordinator (the sequencer under total order) or a member in the middle. */
type Victim = 'coordinator' | 'sender';

function pick(nodes: readonly NodeProcess[], victim: Victim): NodeProcess {
  const view = lastView(nodes[0]!);
  const id = victim === 'coordinator' ? view.coordinator : view.members[2];
  const node = nodes.find((n) => n.id === id);
  if (node === undefined || (victim === 'sender' && id === view.coordinator)) {
    throw new Error(`no ${victim} to pick in view ${view.id} of ${view.members.join(', ')}`);
  }
  return node;
}

function check(what: string, histories: readonly MemberHistory[], options: CheckAllOptions): void {
  const result = checkAll(histories, { primaryPartition: false, ...options });
  if (!result.ok) throw new Error(`${what}:\n${formatReport(result)}`);
}

/** Where the delivery logs of `nodes` first differ, if they do. */
function divergence(traffic: Traffic, nodes: readonly NodeProcess[]): string | undefined {
  const [reference, ...others] = nodes;
  const ref = traffic.log(reference!);
  for (const other of others) {
    const log = traffic.log(other);
    const at = ref.findIndex((id, k) => log[k] !== id);
    if (at < 0 && log.length === ref.length) continue;
    const k = at < 0 ? ref.length : at;
    return (
      `${reference!.name} and ${other.name} delivered ${ref.length} and ${log.length} messages; ` +
      `at position ${k}: ${ref[k] ?? 'nothing'} and ${log[k] ?? 'nothing'}`
    );
  }
  return undefined;
}

/**
 * The whole scenario: five members streaming, the fault on `victim` once each has ACKED_BEFORE_FAULT
 * multicasts acknowledged, the survivors streaming on in the view without it, then quiet and
 * drained: histories checked (with liveness), logs compared under total order, and a graceful stop.
 */
async function run(ns: string, mode: GroupMode, victim: Victim, fault: 'SIGKILL' | 'SIGTERM'): Promise<void> {
  const nodes = await startGroup(ns, mode);
  const traffic = new Traffic(nodes, GROUP);
  const gone = pick(nodes, victim);
  const survivors = nodes.filter((n) => n !== gone);
  await traffic.until(`${ACKED_BEFORE_FAULT} multicasts acknowledged at every member`, () =>
    nodes.every((n) => traffic.acked(n) >= ACKED_BEFORE_FAULT),
  );

  const faultAt = Date.now();
  const exited = fault === 'SIGKILL' ? gone.proc.kill('SIGKILL') : gone.proc.stop(10_000);
  const how = fault === 'SIGKILL' ? 'failed' : 'left';
  const without = await Promise.all(
    survivors.map((n) =>
      n.waitGroupView(GROUP, (v) => v[how].includes(gone.id), { what: `a view with ${gone.name} in ${how}` }),
    ),
  );
  console.log(
    `${ns}: ${fault} of the ${victim} ${gone.name} -> a view without it at all survivors: ` +
      `${Math.max(...without.map((v) => v.t)) - faultAt} ms`,
  );
  if (fault === 'SIGTERM') expect(await exited).toEqual({ code: 0, signal: null });
  else await exited;

  const after = Math.min(...without.map((v) => v.id));
  await traffic.until(`${ACKED_AFTER_FAULT} more multicasts acknowledged at every survivor`, () =>
    survivors.every((n) => traffic.ackedSince(n, after) >= ACKED_AFTER_FAULT),
  );
  // Every SEND a survivor printed is then in its output: no delivery is read before its send.
  await Promise.all(survivors.map((n) => n.proc.kill('SIGUSR2')));
  await traffic.until('quiescence: every survivor delivered every survivor multicast, in one view', () =>
    traffic.quiescent(survivors),
  );
  console.log(`${ns}: quiescent ${Date.now() - faultAt} ms after the ${fault}`);

  const histories = (): MemberHistory[] =>
    nodes.flatMap((n) => n.histories(GROUP, fault === 'SIGKILL' && n === gone, mode));
  check(`histories at quiescence`, histories(), { liveness: true });
  if (mode.ordering === 'total') expect(divergence(traffic, survivors)).toBeUndefined();
  // A fixture that multicast nothing would pass every check.
  for (const n of survivors) expect(traffic.log(n).length).toBeGreaterThan(MEMBERS * ACKED_BEFORE_FAULT);

  await stopOldestFirst(survivors);
  check(`histories after the survivors left`, histories(), { liveness: false });
}

/** One after another, oldest first: each leave hands the coordinator's (and sequencer's) role on. */
async function stopOldestFirst(nodes: readonly NodeProcess[]): Promise<void> {
  const age = lastView(nodes[0]!).members;
  const oldestFirst = [...nodes].sort((a, b) => age.indexOf(a.id) - age.indexOf(b.id));
  for (const n of oldestFirst) expect(await n.proc.stop(10_000)).toEqual({ code: 0, signal: null });
}

/**
 * State transfer during traffic (DESIGN §5.5): four members stream under total order, each with
 * its delivery log as state; a fifth joins mid-stream. Its restored log followed by its own
 * deliveries must be exactly every old member's log, and the checkers (stateTransfer included)
 * must pass.
 */
async function runJoiner(ns: string): Promise<void> {
  const env = { SEND_FROM_MEMBERS: String(MEMBERS - 1), STATE: '1' };
  const first = await spawn(ns, 0, TOTAL, env);
  await first.waitGroupView(GROUP, (v) => v.members.includes(first.id), { timeoutMs: 15_000, what: 'its group' });
  const old = [first, ...(await Promise.all([1, 2, 3].map((i) => spawn(ns, i, TOTAL, env))))];
  await Promise.all(
    old.map((n) =>
      n.waitGroupView(GROUP, (v) => v.members.length === MEMBERS - 1, { timeoutMs: 15_000, what: 'four' }),
    ),
  );
  const traffic = new Traffic(old, GROUP);
  await traffic.until(`${ACKED_BEFORE_FAULT} multicasts acknowledged at every member`, () =>
    old.every((n) => traffic.acked(n) >= ACKED_BEFORE_FAULT),
  );
  const joinedAt = Date.now();
  const joiner = await spawn(ns, 4, TOTAL, env);
  const first5 = await joiner.waitGroupView(GROUP, (v) => v.members.length === MEMBERS, { what: 'its first view' });
  console.log(`${ns}: joiner spawned -> restored and in its first view: ${first5.t - joinedAt} ms`);
  const nodes = [...old, joiner];
  const all = new Traffic(nodes, GROUP);
  await all.until(
    `${ACKED_AFTER_FAULT} multicasts acknowledged at the joiner`,
    () => all.acked(joiner) >= ACKED_AFTER_FAULT,
  );
  await Promise.all(nodes.map((n) => n.proc.kill('SIGUSR2')));
  await all.until('quiescence', () => all.quiescent(nodes));

  const restores = joiner.records<{ log: string[] }>('RESTORE');
  expect(restores).toHaveLength(1);
  expect(restores[0]!.log.length).toBeGreaterThanOrEqual(ACKED_BEFORE_FAULT);
  // The joiner's log (restored, then delivered) is every old member's, message for message.
  expect(divergence(all, nodes)).toBeUndefined();
  expect(all.log(joiner).length).toBeGreaterThan(restores[0]!.log.length);
  const histories = (): MemberHistory[] => nodes.flatMap((n) => n.histories(GROUP, false, TOTAL));
  check('histories at quiescence', histories(), { liveness: true });
  await stopOldestFirst(nodes);
  check('histories after everyone left', histories(), { liveness: false });
}

beforeAll(async () => {
  cluster = await startNatsCluster(3, { name: 'multicast-processes' });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.proc.kill('SIGKILL')));
});

afterAll(async () => {
  await stopAllNatsServers();
});

const TOTAL: GroupMode = { ordering: 'total', delivery: 'agreed' };
const AGREED: readonly GroupMode[] = [
  TOTAL,
  { ordering: 'causal', delivery: 'agreed' },
  { ordering: 'fifo', delivery: 'agreed' },
];
// Safe delivery once per crash: causal where the sender dies, total where the sequencer does (then
// even the dead sequencer's deliveries bind the order).
const SENDER_MODES = [...AGREED, { ordering: 'causal', delivery: 'safe' } as const];
const COORDINATOR_MODES = [...AGREED, { ordering: 'total', delivery: 'safe' } as const];

describe('five members multicasting concurrently, across OS processes', () => {
  it.each(SENDER_MODES)(
    '$ordering, $delivery: SIGKILL of a sender that is not the coordinator, mid-stream',
    async (mode) => {
      await run(`ks-${mode.ordering}-${mode.delivery}`, mode, 'sender', 'SIGKILL');
    },
    60_000,
  );

  it.each(COORDINATOR_MODES)(
    '$ordering, $delivery: SIGKILL of the coordinator (under total order the sequencer), mid-stream',
    async (mode) => {
      await run(`kc-${mode.ordering}-${mode.delivery}`, mode, 'coordinator', 'SIGKILL');
    },
    60_000,
  );

  it('total, agreed: graceful leave (SIGTERM) of a member mid-stream', async () => {
    await run('lv-total-agreed', TOTAL, 'sender', 'SIGTERM');
  }, 60_000);

  it('total, agreed: a joiner with state transfer mid-stream ends with exactly the old members’ log', async () => {
    await runJoiner('st-total-agreed');
  }, 60_000);
});
