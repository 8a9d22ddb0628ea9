import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkAll, formatReport } from '@cohort/checkers';
import { GROUP_NODE_FIXTURE, spawnNode, startNatsServer, stopAllNatsServers } from '@cohort/nats-harness';
import type { NatsServerProcess, NodeProcess, ViewLine } from '@cohort/nats-harness';

// Tier 2 of the membership service across OS processes on a real nats-server: group views driven
// by the mesh's removals and by leaves, in two groups with overlapping members, with multicasts
// flowing through every fault so that each view change has something to flush. Every history goes
// through the checkers. Timings are printed for the record, never asserted.
const fixture = GROUP_NODE_FIXTURE;
const G1 = 'g1';
const G2 = 'g2';
// Started in this order, so n1 is the root and the coordinator of both groups; n2 is in g1 only.
const LAYOUT: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['n1', [G1, G2]],
  ['n2', [G1]],
  ['n3', [G1, G2]],
  ['n4', [G1, G2]],
];
const SEND_EVERY_MS = 20;
// Well past the mesh defaults' detection time (suspicion after 400 ms, then 200 ms to verify).
const PAST_SUSPICION_MS = 2_000;

let server: NatsServerProcess;
/** The current test's nodes, SIGKILLed after it however it ended. */
const running: NodeProcess[] = [];

async function start(ns: string, name: string, groups: readonly string[]): Promise<NodeProcess> {
  const node = await spawnNode({
    fixture,
    name,
    groups,
    env: { NATS_URL: server.url, COHORT_NAMESPACE: ns, SEND_EVERY_MS: String(SEND_EVERY_MS) },
  });
  running.push(node);
  for (const group of groups) {
    const first = await node.waitGroupView(group, (v) => v.members.includes(node.id), {
      timeoutMs: 15_000,
      what: `a view of ${group} with ${name} in it`,
    });
    // The process start (Node, imports, connect) is included, and the first member of a group
    // may wait joinTimeoutMs before it forms a view of one.
    console.log(
      `join: ${name} spawned -> in ${group} view ${first.id} with ${first.members.length} members: ${first.t - node.spawnedAt} ms`,
    );
  }
  return node;
}

function holders(nodes: readonly NodeProcess[], group: string): NodeProcess[] {
  return nodes.filter((n) => n.groups.includes(group));
}

function lastView(node: NodeProcess, group: string): ViewLine {
  const view = node.groupViews(group).at(-1);
  if (view === undefined) throw new Error(`${node.name} has installed no view of ${group}`);
  return view;
}

function names(nodes: readonly NodeProcess[]): string {
  return nodes.map((n) => n.name).join(', ');
}

function sameMembers(members: readonly string[], nodes: readonly NodeProcess[]): boolean {
  return members.length === nodes.length && nodes.every((n) => members.includes(n.id));
}

/** Waits until every node's mesh view and view of each of its groups hold exactly `nodes`. */
async function settled(nodes: readonly NodeProcess[]): Promise<void> {
  await Promise.all(
    nodes.flatMap((n) => [
      n.waitMeshView((v) => sameMembers(v.members, nodes), { what: `a mesh view of ${names(nodes)}` }),
      ...n.groups.map((g) =>
        n.waitGroupView(g, (v) => sameMembers(v.members, holders(nodes, g)), {
          what: `a view of ${g} with ${names(holders(nodes, g))}`,
        }),
      ),
    ]),
  );
}

/** Starts LAYOUT one node after another and waits until every group holds its nodes, oldest first. */
async function startLayout(ns: string): Promise<NodeProcess[]> {
  const nodes: NodeProcess[] = [];
  for (const [name, groups] of LAYOUT) nodes.push(await start(ns, name, groups));
  await settled(nodes);
  for (const n of nodes) {
    for (const g of n.groups) expect(lastView(n, g).members).toEqual(holders(nodes, g).map((h) => h.id));
  }
  return nodes;
}

function withoutTime({ t: _t, ...view }: ViewLine): Omit<ViewLine, 't'> {
  return view;
}

/**
 * Waits until every survivor that shared a group with `gone` installs a view of that group listing
 * it under `how`; checks that these views agree, that each removes exactly `gone` from the view
 * before it and is coordinated by its oldest member. Returns when the last of them was installed.
 */
async function waitRemoval(
  gone: NodeProcess,
  how: 'failed' | 'left',
  survivors: readonly NodeProcess[],
): Promise<number> {
  const perGroup = await Promise.all(
    gone.groups.map(async (group) => {
      const members = holders(survivors, group);
      const views = await Promise.all(
        members.map((n) =>
          n.waitGroupView(group, (v) => v[how].includes(gone.id), {
            what: `a view of ${group} with ${gone.name} (${gone.id}) in ${how}`,
          }),
        ),
      );
      views.forEach((view, i) => {
        const installed = members[i]!.groupViews(group);
        const previous = installed[installed.findIndex((v) => v.id === view.id) - 1]!;
        expect(withoutTime(view)).toEqual(withoutTime(views[0]!));
        expect(view.members).toEqual(previous.members.filter((m) => m !== gone.id));
        expect(view.coordinator).toBe(view.members[0]);
        expect(view[how === 'failed' ? 'left' : 'failed']).not.toContain(gone.id);
      });
      return Math.max(...views.map((v) => v.t));
    }),
  );
  return Math.max(...perGroup);
}

/**
 * Every node's history of the mesh and of each group through the checkers. The live nodes stop
 * multicasting first: taken while they send, a receiver's delivery can be read before the
 * sender's SEND line, which is still in the sender's pipe.
 */
async function checkHistories(nodes: readonly NodeProcess[], crashed: readonly NodeProcess[]): Promise<void> {
  const live = nodes.filter((n) => n.proc.running);
  for (const n of live) await n.proc.kill('SIGUSR2');
  await Promise.all(live.map((n) => n.waitRecord('QUIET', () => true, { what: 'QUIET after SIGUSR2' })));
  for (const group of ['$mesh', G1, G2]) {
    const members = group === '$mesh' ? nodes : holders(nodes, group);
    const histories = members.flatMap((n) => n.histories(group, crashed.includes(n)));
    const result = checkAll(histories, { quiescent: false });
    if (!result.ok) throw new Error(`histories of ${group}:\n${formatReport(result)}`);
    if (group !== '$mesh') {
      // A fixture that sent nothing would pass every check.
      expect(histories.flatMap((h) => h.events).some((e) => e.kind === 'deliver')).toBe(true);
    }
  }
}

beforeAll(async () => {
  server = await startNatsServer({ name: 'group-processes' });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.proc.kill('SIGKILL')));
});

afterAll(async () => {
  await stopAllNatsServers();
});

describe('group views driven by the mesh, across OS processes', () => {
  it('SIGKILL of the root, then of a group coordinator that is not the root: every survivor installs new views of each group that held it; a new node joins in between', async () => {
    const nodes = await startLayout('k1');
    const [n1, n2, n3, n4] = nodes as [NodeProcess, NodeProcess, NodeProcess, NodeProcess];
    const killedAt = Date.now();
    await n1.proc.kill('SIGKILL');
    const doneAt = await waitRemoval(n1, 'failed', [n2, n3, n4]);
    console.log(`SIGKILL of the root -> new view of g1 and g2 at all survivors: ${doneAt - killedAt} ms`);
    expect(lastView(n2, G1).coordinator).toBe(n2.id);
    expect(lastView(n3, G2).coordinator).toBe(n3.id);

    // Admitted by the coordinators that took over.
    const n5 = await start('k1', 'n5', [G1, G2]);
    await settled([n2, n3, n4, n5]);

    // g2's coordinator is now n3, and the root (n2) is not in g2.
    const killed2At = Date.now();
    await n3.proc.kill('SIGKILL');
    const done2At = await waitRemoval(n3, 'failed', [n2, n4, n5]);
    console.log(
      `SIGKILL of g2's coordinator (not the root) -> new view of g1 and g2 at all survivors: ${done2At - killed2At} ms`,
    );
    expect(lastView(n4, G2).coordinator).toBe(n4.id);
    await checkHistories([...nodes, n5], [n1, n3]);
  }, 60_000);

  it('SIGKILL of a plain member: every survivor installs new views of its groups without it; a group without it keeps its view', async () => {
    const nodes = await startLayout('k2');
    const [n1, n2, n3, n4] = nodes as [NodeProcess, NodeProcess, NodeProcess, NodeProcess];
    let killedAt = Date.now();
    await n4.proc.kill('SIGKILL');
    let doneAt = await waitRemoval(n4, 'failed', [n1, n2, n3]);
    console.log(`SIGKILL of a member of g1 and g2 -> new view of both at all survivors: ${doneAt - killedAt} ms`);

    const g2Views = [n1, n3].map((n) => n.groupViews(G2).length);
    killedAt = Date.now();
    await n2.proc.kill('SIGKILL');
    doneAt = await waitRemoval(n2, 'failed', [n1, n3]);
    console.log(`SIGKILL of a member of g1 only -> new view of g1 at all survivors: ${doneAt - killedAt} ms`);
    // Long enough for a spurious change of g2 to show up after the mesh removed n2.
    await sleep(500);
    expect([n1, n3].map((n) => n.groupViews(G2).length)).toEqual(g2Views);
    await checkHistories(nodes, [n4, n2]);
  }, 60_000);

  it.each([
    ['a plain member', 3],
    ['the root (coordinator of both groups)', 0],
  ])(
    'SIGSTOP of %s past suspicion, then SIGCONT: the others install views without it; it wakes up removed, its groups blocked, and rejoins them as a new incarnation',
    async (_, index) => {
      const nodes = await startLayout(`s${index}`);
      const sleeper = nodes[index]!;
      const others = nodes.filter((n) => n !== sleeper);
      const stoppedAt = Date.now();
      sleeper.proc.pause();
      const doneAt = await waitRemoval(sleeper, 'failed', others);
      console.log(`SIGSTOP of ${sleeper.name} -> new view of g1 and g2 at all others: ${doneAt - stoppedAt} ms`);
      await sleep(Math.max(0, stoppedAt + PAST_SUSPICION_MS - Date.now()));

      const wokeAt = Date.now();
      sleeper.proc.resume();
      await sleeper.waitMeshStatus('removed');
      await Promise.all(sleeper.groups.map((g) => sleeper.waitGroupStatus(g, 'blocked')));
      const { self: reborn } = await sleeper.waitRecord<{ status: string; self?: string }>(
        'STATUS',
        (s) => s.status === 'joining' && s.self !== undefined && s.self !== sleeper.id,
        { what: 'joining again as a new incarnation' },
      );
      expect(sleeper.incarnations()).toEqual([sleeper.id, reborn]);
      const rejoined = await Promise.all(
        sleeper.groups.flatMap((g) =>
          holders(nodes, g).map((n) =>
            n.waitGroupView(g, (v) => v.members.includes(reborn!), { what: `a view of ${g} with ${reborn}` }),
          ),
        ),
      );
      for (const v of rejoined) {
        // A new member: the youngest, and the old incarnation is not in the view.
        expect(v.members.at(-1)).toBe(reborn);
        expect(v.joined).toContain(reborn);
        expect(v.members).not.toContain(sleeper.id);
      }
      console.log(
        `SIGCONT -> in g1 and g2 as the new incarnation at all members: ${Math.max(...rejoined.map((v) => v.t)) - wokeAt} ms`,
      );
      // And the new incarnation's multicasts reach the others.
      await Promise.all(
        sleeper.groups.flatMap((g) =>
          holders(others, g).map((n) =>
            n.waitRecord<{ group: string; sender: string }>('DELIVER', (d) => d.group === g && d.sender === reborn, {
              what: `a delivery in ${g} from ${reborn}`,
            }),
          ),
        ),
      );
      for (const g of sleeper.groups) {
        // The old incarnation installed nothing after waking up: no old view, none without itself.
        const [old] = sleeper.histories(g, false);
        expect(old!.events.filter((e) => e.kind === 'install' && e.at! >= wokeAt)).toEqual([]);
      }
      await checkHistories(nodes, []);
    },
    60_000,
  );

  it('the race of concurrent first starts: nodes started at the same moment form one mesh and one view of each group', async () => {
    // All spawned at once, none waiting for another: each starts joining the mesh and both groups
    // before any mesh exists. Their join requests meet, one node forms the first mesh view with the
    // others, and the root's directory lets exactly one of them create each group.
    const nodes = await Promise.all(LAYOUT.map(([name, groups]) => start('r1', name, groups)));
    await settled(nodes);
    for (const group of [G1, G2]) {
      const members = holders(nodes, group);
      const created = members.flatMap((n) => n.groupViews(group).filter((v) => v.id === 1));
      // One creator: whoever installed a view 1 of the group installed the same one.
      expect(new Set(created.map((v) => v.members.join()))).toHaveProperty('size', 1);
      const last = members.map((n) => withoutTime(lastView(n, group)));
      for (const v of last) expect(v).toEqual(last[0]);
    }
    const meshFirst = nodes.flatMap((n) => n.meshViews().filter((v) => v.id === 1));
    expect(new Set(meshFirst.map((v) => v.members.join()))).toHaveProperty('size', 1);
    await checkHistories(nodes, []);
  }, 60_000);

  it('graceful leave (SIGTERM) of a member, then of the root: the others see it as left in each of its groups; it exits with 0', async () => {
    const nodes = await startLayout('l1');
    const [n1, n2, n3, n4] = nodes as [NodeProcess, NodeProcess, NodeProcess, NodeProcess];
    for (const [leaver, stay] of [
      [n3, [n1, n2, n4]],
      [n1, [n2, n4]],
    ] as const) {
      const termAt = Date.now();
      const exited = leaver.proc.stop(10_000);
      const doneAt = await waitRemoval(leaver, 'left', stay);
      expect(await exited).toEqual({ code: 0, signal: null });
      console.log(
        `SIGTERM of ${leaver.name} (graceful leave) -> new view of g1 and g2 at all others: ${doneAt - termAt} ms`,
      );
    }
    await checkHistories(nodes, []);
  }, 60_000);

  it('changes no group view when the nats-server is down for 1.5 s, and traffic resumes in every group', async () => {
    const nodes = await startLayout('r1');
    const installed = (): number[][] =>
      nodes.map((n) => [n.meshViews().length, ...n.groups.map((g) => n.groupViews(g).length)]);
    const before = installed();
    const stoppedAt = Date.now();
    try {
      await server.stop();
      // Longer than suspectAfterMs + verifyTimeoutMs (600 ms by default).
      await sleep(1500);
    } finally {
      await server.restart();
    }
    const backAt = Date.now();
    // Well past suspectAfterMs + verifyTimeoutMs once everyone is back.
    await sleep(2500);
    expect(installed()).toEqual(before);
    for (const n of nodes) {
      expect(n.records<{ status: string }>('STATUS').at(-1)?.status).toBe('member');
      for (const g of n.groups) {
        expect(n.records<{ group: string; status: string }>('GSTATUS', (s) => s.group === g).at(-1)?.status).toBe(
          'member',
        );
      }
    }
    await Promise.all(
      nodes.flatMap((n) =>
        n.groups.flatMap((g) =>
          holders(nodes, g)
            .filter((sender) => sender !== n)
            .map((sender) =>
              n.waitRecord<{ group: string; sender: string; t: number }>(
                'DELIVER',
                (d) => d.group === g && d.sender === sender.id && d.t >= backAt,
                { what: `a delivery in ${g} from ${sender.name} after the restart` },
              ),
            ),
        ),
      ),
    );
    console.log(
      `nats-server down 1.5 s: no group view change, traffic resumed in g1 and g2 (${Date.now() - stoppedAt} ms observed)`,
    );
    await checkHistories(nodes, []);
  }, 60_000);
});
