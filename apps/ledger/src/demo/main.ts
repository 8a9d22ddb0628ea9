import 'reflect-metadata';
import { CohortClient } from '@cohort/nestjs';
import { killAllChildren, startNatsServer, stopAllNatsServers } from '@cohort/nats-harness';
import type { ReplicaStats } from '../ledger-replica.js';
import { Progress } from './progress.js';
import { ReplicaProcess } from './replica-process.js';
import { table } from './table.js';
import { Workload } from './workload.js';

/**
 * `npm run demo`: a local nats-server, three ledger replicas as separate processes, and a client
 * workload through CohortClient. Mid-load one replica is SIGKILLed and a fresh one joins with
 * state transfer. At the end every replica's ledger digest must be the same; the exit code says
 * whether it was. Everything started here is stopped on exit, also on Ctrl-C.
 */
const settings = {
  accounts: intEnv('ACCOUNTS', 20),
  operations: intEnv('OPERATIONS', 4000),
  concurrency: intEnv('CONCURRENCY', 16),
  attempts: 20,
};
const KILL_AT = 0.35;
const JOIN_AT = 0.6;
const NAMESPACE = 'bank';

function intEnv(key: string, fallback: number): number {
  const raw = process.env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${key} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

const ms = (n: number | undefined) => (n === undefined ? '-' : `${Math.round(n)} ms`);

async function main(): Promise<number> {
  const server = await startNatsServer({ name: 'ledger-demo' });
  console.log(`nats-server ${server.url} (pid ${server.pid})`);
  const replicas: ReplicaProcess[] = [];
  for (const name of ['replica-1', 'replica-2', 'replica-3']) {
    const r = await ReplicaProcess.start(name, server.url, NAMESPACE);
    replicas.push(r);
    console.log(`${name}: started as ${r.id} (pid ${r.proc.pid})`);
  }
  await until(
    () => replicas.every((r) => r.views().at(-1)?.members.length === 3),
    30_000,
    'a view of all three replicas',
  );
  console.log(`group ledger: view ${replicas[0]!.views().at(-1)!.id} with ${replicas.map((r) => r.name).join(', ')}\n`);

  // A command whose replica was SIGKILLed gets no answer: the client notices by this timeout and
  // sends it again (same id) to another replica.
  const client = new CohortClient({ servers: server.url, namespace: NAMESPACE, group: 'ledger', timeoutMs: 1000 });
  await client.connect();
  const workload = new Workload(client, settings);
  const progress = new Progress(workload.total, 'workload');
  const victim = replicas[1]!;
  let killedAt: number | undefined;
  let joiner: ReplicaProcess | undefined;
  let joinStarted = false;
  const faults: Promise<void>[] = [];
  const ticker = setInterval(() => {
    const fraction = workload.completed / workload.total;
    if (killedAt === undefined && fraction >= KILL_AT) {
      killedAt = Date.now();
      faults.push(
        victim.proc
          .kill('SIGKILL')
          .then(() => progress.note(`SIGKILL ${victim.name} (${victim.id}) at ${Math.round(fraction * 100)}%`)),
      );
    }
    if (!joinStarted && killedAt !== undefined && fraction >= JOIN_AT) {
      joinStarted = true;
      progress.note(`starting replica-4 at ${Math.round(fraction * 100)}%: it joins with state transfer`);
      faults.push(
        ReplicaProcess.start('replica-4', server.url, NAMESPACE).then((r) => {
          joiner = r;
          replicas.push(r);
          const restored = r.restored();
          progress.note(
            `replica-4: joined as ${r.id} (pid ${r.proc.pid}), restored ${restored?.bytes ?? 0} bytes of state (${restored?.applied ?? 0} commands)`,
          );
        }),
      );
    }
    progress.update(workload.completed);
  }, 100);
  const outcome = await workload.run();
  clearInterval(ticker);
  progress.update(workload.completed);
  progress.finish();
  await Promise.all(faults);
  await client.close();

  const live = replicas.filter((r) => r !== victim);
  // Every replica has applied every command once its applied count stops moving and agrees.
  let stats: ReplicaStats[] = [];
  await until(
    async () => {
      stats = await Promise.all(live.map((r) => r.stats()));
      return stats.every((s) => s.applied === stats[0]!.applied);
    },
    30_000,
    'the replicas to apply the same commands',
  );

  const survivors = live.filter((r) => r.name !== 'replica-4');
  const failedView = (r: ReplicaProcess) => r.views().find((v) => v.failed.includes(victim.id));
  const meshWithout = (r: ReplicaProcess) => r.meshViews().find((v) => v.failed.includes(victim.id));
  const detection = Math.max(...survivors.map((r) => (meshWithout(r)?.t ?? NaN) - killedAt!));
  const viewChange = Math.max(...survivors.map((r) => (failedView(r)?.t ?? NaN) - killedAt!));
  const j = joiner;
  const joinedView = j === undefined ? undefined : survivors[0]!.views().find((v) => (v.joined ?? []).includes(j.id));

  console.log('\nreplicas');
  const rows = [victim, ...live].map((r) => {
    const s = stats.find((x) => x.name === r.name);
    const state = r === victim ? 'SIGKILLed' : r.name === 'replica-4' ? 'joined mid-load' : 'running';
    return [
      r.name,
      state,
      String(r.views().length),
      s === undefined ? '-' : String(s.transfers),
      s === undefined ? '-' : String(s.applied),
      s === undefined ? '-' : String(s.accounts),
      s === undefined ? '-' : (s.deposited / 100).toFixed(2),
      s === undefined ? '-' : s.digest,
    ];
  });
  console.log(table(['replica', 'state', 'views', 'transfers', 'applied', 'accounts', 'deposited', 'digest'], rows));

  console.log('\nworkload');
  console.log(
    table(
      ['commands', 'accepted', 'rejected', 'retried', 'unanswered', 'deposited (client)'],
      [
        [
          String(outcome.commands),
          String(outcome.accepted),
          Object.entries(outcome.rejected)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || '0',
          String(outcome.retries),
          String(outcome.unanswered),
          (outcome.deposited / 100).toFixed(2),
        ],
      ],
    ),
  );

  console.log('\ntimings');
  console.log(
    table(
      ['event', 'time'],
      [
        ['SIGKILL -> mesh view without it, at every survivor (failure detection)', ms(detection)],
        ['SIGKILL -> group view without it, at every survivor (view change)', ms(viewChange)],
        [
          'replica-4 process start -> state restored (Node start included)',
          ms(j?.restored() === undefined ? undefined : j.restored()!.t - j.spawnedAt),
        ],
        ['replica-4 connect and join -> state restored, in process', ms(j?.restored()?.ms)],
        [
          'replica-4 process start -> in the group view',
          ms(joinedView === undefined || j === undefined ? undefined : joinedView.t - j.spawnedAt),
        ],
      ],
    ),
  );

  const problems: string[] = [];
  const digests = new Set(stats.map((s) => s.digest));
  if (digests.size !== 1) problems.push(`the replicas' digests differ: ${[...digests].join(', ')}`);
  for (const s of stats) {
    if (s.imbalance !== 0) problems.push(`${s.name}: balances do not add up to the deposits (off by ${s.imbalance})`);
    if (s.negative !== 0) problems.push(`${s.name}: ${s.negative} negative balances`);
    if (s.deposited !== outcome.deposited) {
      problems.push(`${s.name}: ${s.deposited} deposited, but the clients were told ${outcome.deposited}`);
    }
  }
  if (outcome.unanswered > 0) problems.push(`${outcome.unanswered} commands never got an answer`);
  if (problems.length > 0) {
    console.log(`\nFAILED:\n  ${problems.join('\n  ')}`);
    return 1;
  }
  console.log(
    `\nOK: ${stats.length} replicas hold the same ledger (digest ${[...digests][0]}); balances add up to the deposits, none is negative, and every rejection happened at every replica`,
  );
  return 0;
}

async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopEverything(): Promise<void> {
  await killAllChildren();
  await stopAllNatsServers();
}

// `on`, not `once`: while a listener stays, the harness's own SIGINT hook (it SIGKILLs the
// children) leaves the exit to this one instead of re-raising the signal.
let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) return;
  interrupted = true;
  console.log('\ninterrupted: stopping the replicas and nats-server');
  void stopEverything().then(() => process.exit(130));
});

main()
  .then(async (code) => {
    await stopEverything();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    console.error(`demo failed: ${(error as Error)?.stack ?? String(error)}`);
    await stopEverything();
    process.exit(1);
  });
