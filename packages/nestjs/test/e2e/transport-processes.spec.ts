import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { checkAll, formatReport } from '@cohort/checkers';
import type { MemberHistory } from '@cohort/checkers';
import { killAllChildren, spawnTracked, startNatsServer, stopAllNatsServers, waitUntil } from '@cohort/nats-harness';
import type { NatsServerProcess, TrackedProcess } from '@cohort/nats-harness';
import { deliveries, history, lastView, records } from './support/fixture-lines.js';
import type { AckLine, ViewLine } from './support/fixture-lines.js';

// The transporter end to end, in real OS processes: three Nest microservices on CohortServer in
// one total-order group, and a fourth process, a client service (a Nest application context with
// ClientsModule and CohortClient), emitting a numbered stream of events into the group. Mid-stream
// the coordinator (the sequencer) is stopped with SIGTERM: the others see it leave. Then one of
// the two left, not the new sequencer, is SIGKILLed: the survivor sees it fail. The client's
// stream goes on throughout. At the end every history passes the checkers, every event the client
// had acknowledged was handled at the survivor, and every member handled one sequence.
// No timing is asserted; the waits are generous for a loaded 2-core machine.
const memberFixture = fileURLToPath(new URL('./fixtures/member.mjs', import.meta.url));
const clientFixture = fileURLToPath(new URL('./fixtures/client.mjs', import.meta.url));
const NAMESPACE = 'transport-e2e';
const GROUP = 'ledger';
const WAIT_MS = 30_000;
// Acknowledged events before the first fault, and more after each one.
const ACKED_BEFORE = 100;
const ACKED_AFTER = 60;

let nats: NatsServerProcess;

beforeAll(async () => {
  nats = await startNatsServer({ name: 'nestjs-transport-e2e' });
});

afterEach(async () => {
  await killAllChildren();
});

afterAll(async () => {
  await stopAllNatsServers();
});

interface MemberProcess {
  readonly name: string;
  readonly proc: TrackedProcess;
  readonly id: string;
}

const env = () => ({ NATS_URL: nats.url, COHORT_NAMESPACE: NAMESPACE, GROUP });

async function startMember(name: string): Promise<MemberProcess> {
  const proc = spawnTracked(process.execPath, [memberFixture], { name, env: { ...env(), MEMBER_NAME: name } });
  const ready = await proc.waitForLine(/^READY /, WAIT_MS);
  return { name, proc, id: ready.slice('READY '.length) };
}

/** Follows the client's answers and the members' handler runs as their lines arrive. */
class Traffic {
  readonly acked: AckLine[] = [];
  readonly answered = new Set<number>();
  readonly handled = new Map<TrackedProcess, Set<string>>();

  constructor(client: TrackedProcess, members: readonly MemberProcess[]) {
    const onClient = (line: string) => {
      if (line.startsWith('ACK ')) {
        const ack = JSON.parse(line.slice(4)) as AckLine;
        this.acked.push(ack);
        this.answered.add(ack.n);
      } else if (line.startsWith('NACK ')) this.answered.add((JSON.parse(line.slice(5)) as { n: number }).n);
    };
    for (const line of client.lines) onClient(line);
    client.onLine(onClient);
    for (const m of members) {
      const seen = new Set(deliveries(m.proc));
      this.handled.set(m.proc, seen);
      m.proc.onLine((line) => {
        if (line.startsWith('DELIVER ')) seen.add((JSON.parse(line.slice(8)) as { msgId: string }).msgId);
      });
    }
  }

  /** Acknowledged events not handled at `m` yet. */
  missingAt(m: MemberProcess): number[] {
    const seen = this.handled.get(m.proc)!;
    return this.acked.map((a) => a.n).filter((n) => !seen.has(`c:${n}`));
  }
}

async function waitForView(
  watchers: readonly MemberProcess[],
  what: string,
  pred: (v: ViewLine) => boolean,
): Promise<ViewLine[]> {
  await waitUntil(
    () =>
      watchers.every((m) => {
        const v = lastView(m.proc);
        return v !== undefined && pred(v);
      }),
    WAIT_MS,
    what,
  );
  return watchers.map((m) => lastView(m.proc)!);
}

function isPrefix(prefix: readonly string[], of: readonly string[]): boolean {
  return prefix.length <= of.length && prefix.every((id, i) => of[i] === id);
}

describe('CohortServer members and a CohortClient service, in OS processes', () => {
  it('SIGTERM is seen as left, SIGKILL as failed; acknowledged events reach the survivor; one order', async () => {
    const first = await startMember('m1');
    await waitForView([first], 'm1 in its group', (v) => v.members.includes(first.id));
    const members = [first, ...(await Promise.all([startMember('m2'), startMember('m3')]))];
    await waitForView(members, 'a view of three', (v) => v.members.length === 3);

    const client = spawnTracked(process.execPath, [clientFixture], {
      name: 'client',
      env: { ...env(), SEND_EVERY_MS: '10', MAX_IN_FLIGHT: '4' },
    });
    await client.waitForLine(/^READY$/, WAIT_MS);
    const traffic = new Traffic(client, members);
    const ackedAtLeast = (count: number) =>
      waitUntil(() => traffic.acked.length >= count, WAIT_MS, `${count} events acknowledged`);
    await ackedAtLeast(ACKED_BEFORE);

    // The coordinator, which under total order is the sequencer, leaves.
    const coordinator = lastView(first.proc)!.coordinator;
    const leaver = members.find((m) => m.id === coordinator)!;
    const two = members.filter((m) => m !== leaver);
    const exitOfLeaver = leaver.proc.stop(WAIT_MS);
    for (const v of await waitForView(two, `a view without ${leaver.name}`, (v) => !v.members.includes(leaver.id))) {
      expect(v).toMatchObject({ left: [leaver.id], failed: [] });
    }
    expect(await exitOfLeaver).toEqual({ code: 0, signal: null });
    expect(records(leaver.proc, 'LEFT')).toHaveLength(1);
    await ackedAtLeast(traffic.acked.length + ACKED_AFTER);

    // Then the member that is not the new sequencer crashes: what it acknowledged was ordered by
    // the survivor, so it survives the crash (DESIGN §3.12).
    const sequencer = lastView(two[0]!.proc)!.coordinator;
    const victim = two.find((m) => m.id !== sequencer)!;
    const survivor = two.find((m) => m.id === sequencer)!;
    await victim.proc.kill('SIGKILL');
    const [alone] = await waitForView(
      [survivor],
      `a view without ${victim.name}`,
      (v) => !v.members.includes(victim.id),
    );
    expect(alone).toMatchObject({ members: [survivor.id], left: [], failed: [victim.id] });
    await ackedAtLeast(traffic.acked.length + ACKED_AFTER);

    // The client stops; once every emit is answered, everything acknowledged must be handled.
    await client.kill('SIGUSR2');
    await client.waitForLine(/^QUIET /, WAIT_MS);
    await waitUntil(
      () => traffic.missingAt(survivor).length === 0,
      WAIT_MS,
      'every acknowledged event at the survivor',
    );

    const logs = new Map(members.map((m) => [m, deliveries(m.proc)]));
    const survivorLog = logs.get(survivor)!;
    expect(new Set(survivorLog).size).toBe(survivorLog.length);
    // The leaver handled its views' deliveries and nothing after; the crashed member a prefix
    // too, since the survivor ordered everything it delivered. One order everywhere.
    expect(isPrefix(logs.get(leaver)!, survivorLog)).toBe(true);
    expect(isPrefix(logs.get(victim)!, survivorLog)).toBe(true);
    expect(logs.get(leaver)!.length).toBeGreaterThanOrEqual(ACKED_BEFORE);
    expect(survivorLog.length).toBeGreaterThanOrEqual(ACKED_BEFORE + 2 * ACKED_AFTER);

    const histories: MemberHistory[] = members.map((m) => history(m.proc, GROUP, traffic.acked, m === victim));
    const result = checkAll(histories, { primaryPartition: false, liveness: true });
    if (!result.ok) throw new Error(formatReport(result));

    expect(await client.stop(WAIT_MS)).toEqual({ code: 0, signal: null });
    expect(await survivor.proc.stop(WAIT_MS)).toEqual({ code: 0, signal: null });
    const after = checkAll(
      members.map((m) => history(m.proc, GROUP, traffic.acked, m === victim)),
      { primaryPartition: false, liveness: false },
    );
    if (!after.ok) throw new Error(formatReport(after));
  }, 90_000);
});
