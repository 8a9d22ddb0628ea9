// Measures state transfer and the flush's blocking window on a real nats-server (DESIGN §5.4,
// §5.5). Per run: a fresh server, a provider node whose group state is a buffer of --mb MiB of
// random bytes (an identity codec, so the figure is the transfer, not JSON), two more members
// multicasting total-order traffic, then a joiner. It prints, as a markdown table, p50 and max of
//   (a) join() call -> joiner restored the state and installed its first view
//   (t) the provider installed the joiner's view -> the joiner restored the state (the transfer)
//   (b) the provider's blocking window for that view change (group.flushStats.lastMs)
//   (c) a view change without state (a member leaves): the blocking window at the others
// Each member multicasts about 400 messages a second meanwhile.
// and checks that every joiner's state is byte-identical to the provider's. The nodes share this
// process (each with its own NATS connection), so all traffic crosses the server. Run
// `npm run build` first.
//
//   node scripts/measure-state-transfer.mjs [--runs 5] [--mb 50]
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

for (const dist of ['../packages/nats/dist/index.js', '../libs/nats-harness/dist/index.js']) {
  if (!existsSync(fileURLToPath(new URL(dist, import.meta.url)))) {
    console.error(`${dist} is missing: run npm run build first`);
    process.exit(2);
  }
}
const { connect } = await import('@cohort/nats');
const { startNatsServer, stopAllNatsServers } = await import('@cohort/nats-harness');

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, mb: { type: 'string', default: '50' }, json: { type: 'string' } },
});
const runs = Number(values.runs);
const bytes = Number(values.mb) * 1024 * 1024;
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
if (!(bytes > 0)) throw new Error(`--mb must be positive, got ${values.mb}`);

const quiet = { debug() {}, log() {}, warn() {}, error: (m) => console.error(m) };
const identity = { encode: (b) => b, decode: (b) => b };
const digest = (b) => createHash('sha256').update(b).digest('hex');
const until = async (check, what, ms = 60_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
};

const samples = { a: [], t: [], b: [], c: [] };
for (let run = 1; run <= runs; run++) {
  const server = await startNatsServer({ name: `state-${run}` });
  const nodes = [];
  const open = async (name, state) => {
    const node = await connect({ servers: server.url, namespace: 'measure', name, logger: quiet });
    nodes.push(node);
    return node.join('ledger', { ordering: 'total', state: { ...state, codec: identity } });
  };
  try {
    const provided = randomBytes(bytes);
    const provider = await open('provider', { snapshot: () => provided, restore: () => {} });
    const members = [provider];
    for (const name of ['m1', 'm2']) members.push(await open(name, { snapshot: () => provided, restore: () => {} }));
    await until(() => provider.view.members.length === 3, 'three members');
    let stop = false;
    const traffic = members.map(async (g, i) => {
      // Paced: the nodes share this process, and a saturated event loop would delay the joiner's
      // mesh join past joinTimeoutMs (it would then form a mesh of its own).
      for (let n = 0; !stop; n++) {
        await g.multicast({ from: i, n });
        await sleep(2);
      }
    });
    // A failed multicast is a finding, not a crash of the measurement: reported at the end.
    for (const t of traffic) t.catch(() => {});
    let restored;
    let restoredAt = 0;
    let installedAt = 0;
    const watch = provider.views$.subscribe((v) => {
      if (v.members.length === 4) installedAt = performance.now();
    });
    const started = performance.now();
    const joiner = await open('joiner', {
      snapshot: () => restored,
      restore: (s) => {
        restored = s;
        restoredAt = performance.now();
      },
    });
    watch.unsubscribe();
    samples.a.push(performance.now() - started);
    samples.t.push(restoredAt - installedAt);
    samples.b.push(provider.flushStats.lastMs);
    if (restored === undefined || digest(restored) !== digest(provided)) throw new Error('the joiner state differs');
    const before = members.map((g) => g.flushStats.count);
    await joiner.leave();
    await until(() => members.every((g, i) => g.flushStats.count > before[i]), 'the leave view change');
    samples.c.push(Math.max(...members.map((g) => g.flushStats.lastMs)));
    stop = true;
    for (const [i, r] of (await Promise.allSettled(traffic)).entries()) {
      if (r.status === 'rejected')
        throw new Error(`member ${i}'s traffic failed (status ${members[i].status})`, { cause: r.reason });
    }
  } finally {
    await Promise.allSettled(nodes.map((n) => n.close()));
    await server.stop();
  }
  console.error(`run ${run}/${runs}: transfer ${samples.a.at(-1).toFixed(0)} ms`);
}
await stopAllNatsServers();

const p50 = (xs) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)];
const row = (what, xs) => `| ${what} | ${p50(xs).toFixed(0)} | ${Math.max(...xs).toFixed(0)} |`;
console.log(`${values.mb} MiB state, total order, 3 members multicasting, ${runs} runs\n`);
console.log('| metric | p50 ms | max ms |\n|---|---|---|');
console.log(row('(a) join() → state restored, first view installed', samples.a));
console.log(row("(t) provider installs the joiner's view → joiner restored", samples.t));
console.log(row('(b) blocking window of that view change at the provider', samples.b));
console.log(row('(c) blocking window of a leave (no state) at the others', samples.c));
if (values.json !== undefined) {
  const metric = (key, label) => ({
    key,
    label,
    samples: samples[key],
    p50: p50(samples[key]),
    max: Math.max(...samples[key]),
  });
  writeFileSync(
    values.json,
    `${JSON.stringify(
      {
        runs,
        mb: Number(values.mb),
        metrics: [
          metric('a', 'join() → state restored, first view installed'),
          metric('t', "provider installs the joiner's view → joiner restored"),
          metric('b', 'blocking window of that view change at the provider'),
          metric('c', 'blocking window of a leave (no state) at the others'),
        ],
      },
      null,
      2,
    )}\n`,
  );
}
