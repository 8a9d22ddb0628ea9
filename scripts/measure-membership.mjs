// Measures the membership service on a real nats-server with node processes (the fixture of
// packages/nats/test/group-processes.spec.ts): per run, a fresh server and nodes in two groups
// with multicast traffic, then
//   (a) SIGKILL of a plain member -> new view of each of its groups at all survivors
//   (b) SIGKILL of the root       -> new view of each of its groups at all survivors
//   (c) graceful leave (SIGTERM)  -> new view of each of its groups at all others
//   (d) join                      -> view with the joiner at every member of the group, counted
//                                    from the joiner's connection (process start excluded)
// and prints p50 and max per metric as a markdown table. Run `npm run build` first.
//
//   node scripts/measure-membership.mjs [--runs 10] [--send-every-ms 20] [--json FILE]
//
// --json also writes every sample and the p50/max per metric to FILE (the bench reads it).
//
// Every process it starts is killed at the end of each run, and on Ctrl-C (the harness's exit hooks).
import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const fixture = fileURLToPath(new URL('../libs/nats-harness/fixtures/group-node.mjs', import.meta.url));
const builtNats = fileURLToPath(new URL('../packages/nats/dist/index.js', import.meta.url));
const builtHarness = fileURLToPath(new URL('../libs/nats-harness/dist/index.js', import.meta.url));
for (const file of [builtNats, builtHarness]) {
  if (!existsSync(file)) {
    console.error(`${file} is missing: run npm run build first`);
    process.exit(2);
  }
}
const { spawnTracked, startNatsServer, stopAllNatsServers } = await import('@cohort/nats-harness');

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    'send-every-ms': { type: 'string', default: '20' },
    json: { type: 'string' },
  },
});
const runs = Number(values.runs);
const sendEveryMs = Number(values['send-every-ms']);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
if (!Number.isInteger(sendEveryMs) || sendEveryMs < 0) {
  throw new Error(`--send-every-ms must be a non-negative integer, got ${values['send-every-ms']}`);
}

const G1 = 'g1';
const G2 = 'g2';
const WAIT_MS = 10_000;
// Lets the traffic and the heartbeats settle between one fault and the next.
const PAUSE_MS = 300;

const METRICS = {
  a: '(a) SIGKILL of a member → new view of each of its groups at all survivors',
  b: '(b) SIGKILL of the root → new view of each of its groups at all survivors',
  c: '(c) graceful leave → new view of each of its groups at all others',
  d: '(d) join (connected) → view with the joiner at every member of the group',
};
const samples = { a: [], b: [], c: [], d: [] };
const failures = [];

function parse(line) {
  const space = line.indexOf(' ');
  if (space <= 0 || line[space + 1] !== '{') return undefined;
  return { tag: line.slice(0, space), record: JSON.parse(line.slice(space + 1)) };
}

class Node {
  constructor(name, groups, proc) {
    this.name = name;
    this.groups = groups;
    this.proc = proc;
    this.id = '';
  }

  first(tag) {
    for (const line of this.proc.lines) {
      const parsed = parse(line);
      if (parsed?.tag === tag) return parsed.record;
    }
    return undefined;
  }

  async waitRecord(tag, pred, what) {
    try {
      const line = await this.proc.waitForLine((l) => {
        const parsed = parse(l);
        return parsed?.tag === tag && pred(parsed.record);
      }, WAIT_MS);
      return parse(line).record;
    } catch (error) {
      throw new Error(`${this.name}: no ${tag} ${what}: ${error.message.split('\n')[0]}`, { cause: error });
    }
  }

  waitView(group, pred, what) {
    return this.waitRecord('GVIEW', (v) => v.group === group && pred(v), `of ${group} ${what}`);
  }
}

async function start(server, name, groups) {
  const proc = spawnTracked(process.execPath, [fixture], {
    name,
    env: {
      NATS_URL: server.url,
      COHORT_NAMESPACE: 'measure',
      NODE_NAME: name,
      GROUPS: groups.join(','),
      SEND_EVERY_MS: String(sendEveryMs),
    },
  });
  const node = new Node(name, groups, proc);
  node.id = (await proc.waitForLine(/^READY /, 15_000)).slice(6);
  return node;
}

const holders = (nodes, group) => nodes.filter((n) => n.groups.includes(group));

/** Starts a node and waits until every member of each of its groups has a view with it. */
async function join(server, members, name, groups, measured) {
  const node = await start(server, name, groups);
  const connectedAt = node.first('STATUS').t;
  for (const group of groups) {
    const views = await Promise.all(
      holders([...members, node], group).map((n) =>
        n.waitView(group, (v) => v.members.includes(node.id), `with ${name}`),
      ),
    );
    if (measured) samples.d.push(Math.max(...views.map((v) => v.t)) - connectedAt);
  }
  return node;
}

/** Time from `at` until every survivor sharing a group with `gone` has a view listing it under `how`. */
async function removal(gone, how, survivors, at) {
  const views = await Promise.all(
    gone.groups.flatMap((group) =>
      holders(survivors, group).map((n) =>
        n.waitView(group, (v) => v[how].includes(gone.id), `with ${gone.name} ${how}`),
      ),
    ),
  );
  return Math.max(...views.map((v) => v.t)) - at;
}

async function run() {
  const server = await startNatsServer({ name: 'measure-membership' });
  // n1 is the root and coordinates both groups; n2 is in g1 only.
  const n1 = await join(server, [], 'n1', [G1, G2], false);
  const n2 = await join(server, [n1], 'n2', [G1], true);
  const n3 = await join(server, [n1, n2], 'n3', [G1, G2], true);
  const n4 = await join(server, [n1, n2, n3], 'n4', [G1, G2], true);
  await sleep(PAUSE_MS);

  let at = Date.now();
  const exited = n4.proc.stop(WAIT_MS);
  samples.c.push(await removal(n4, 'left', [n1, n2, n3], at));
  const exit = await exited;
  if (exit.code !== 0) throw new Error(`n4 exited with code ${exit.code}, signal ${exit.signal} after SIGTERM`);

  const n5 = await join(server, [n1, n2, n3], 'n5', [G1, G2], true);
  await sleep(PAUSE_MS);
  at = Date.now();
  await n5.proc.kill('SIGKILL');
  samples.a.push(await removal(n5, 'failed', [n1, n2, n3], at));

  // A third member of g2, so that losing the root leaves g2 a majority of its view.
  const n6 = await join(server, [n1, n2, n3], 'n6', [G1, G2], true);
  await sleep(PAUSE_MS);
  at = Date.now();
  await n1.proc.kill('SIGKILL');
  samples.b.push(await removal(n1, 'failed', [n2, n3, n6], at));
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

for (let i = 1; i <= runs; i++) {
  const startedAt = Date.now();
  try {
    await run();
    console.error(`run ${i}/${runs}: ok (${Date.now() - startedAt} ms)`);
  } catch (error) {
    failures.push(`run ${i}: ${error.message}`);
    console.error(`run ${i}/${runs}: failed: ${error.message}`);
  } finally {
    await stopAllNatsServers();
  }
}

console.log(
  `\n${runs} runs, 1 nats-server, 4 nodes in groups g1 (4 nodes) and g2 (3), multicast every ${sendEveryMs} ms\n`,
);
console.log('| metric | samples | p50 (ms) | max (ms) |');
console.log('| --- | ---: | ---: | ---: |');
for (const [key, label] of Object.entries(METRICS)) {
  const sorted = [...samples[key]].sort((x, y) => x - y);
  const cells = sorted.length === 0 ? ['–', '–'] : [percentile(sorted, 50), sorted.at(-1)];
  console.log(`| ${label} | ${sorted.length} | ${cells.join(' | ')} |`);
}
if (values.json !== undefined) {
  const metrics = Object.entries(METRICS).map(([key, label]) => {
    const sorted = [...samples[key]].sort((x, y) => x - y);
    return { key, label, samples: sorted, p50: percentile(sorted, 50), max: sorted.at(-1) };
  });
  writeFileSync(values.json, `${JSON.stringify({ runs, failures, metrics }, null, 2)}\n`);
}
if (failures.length > 0) {
  console.log(`\n${failures.length} of ${runs} runs failed (their later metrics are missing):`);
  for (const f of failures) console.log(`- ${f}`);
  process.exitCode = 1;
}
