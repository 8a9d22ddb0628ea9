// Profiles Cohort's multicast hot path on a real nats-server (issue 7). Per run: a private
// nats-server, --members member processes (scripts/profile-member.mjs, on the built
// @cohort/nats) in one group with the given ordering and delivery, every member multicasting
// --messages payloads of --payload bytes (bytesCodec, so the figure is Cohort, not JSON) with at
// most --in-flight unacknowledged, each counting deliveries until members × messages. Prints per
// member delivered/s and CPU µs (user + system, process.cpuUsage) per delivered message, over the
// window from `go` to its last delivery, and per mode the median over runs of the members' mean
// with the spread (min–max) of the runs.
//
// With --cpu-prof the members run under `node --cpu-prof --cpu-prof-dir <dir>` (a temporary
// directory unless --cpu-prof-dir is given) and the script prints the --top functions by self
// time, summed over every member's .cpuprofile of the last run of each mode (the sequencer's and
// the others' work together; the profile includes joining and leaving, which are short next to
// the traffic). Profiling slows the members, so take throughput figures from runs without it.
// A run of 20,000 messages lasts a second or two and includes the JIT's warm-up; --messages
// 100000 shows the steady state. On a small machine the members and the server share the
// cores: take medians of several runs (--runs) and compare variants in alternation.
//
//   npm run build   (the members import packages/nats/dist)
//   node scripts/profile-hot-path.mjs [--ordering total] [--delivery agreed] [--messages 20000]
//        [--payload 128] [--in-flight 1000] [--members 3] [--runs 1]
//        [--modes total/agreed,fifo/agreed,total/safe] [--cpu-prof] [--cpu-prof-dir DIR] [--top 25]
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnTracked, startNatsServer, stopAllNatsServers } from '@cohort/nats-harness';

const { values } = parseArgs({
  options: {
    ordering: { type: 'string', default: 'total' },
    delivery: { type: 'string', default: 'agreed' },
    modes: { type: 'string' },
    messages: { type: 'string', default: '20000' },
    payload: { type: 'string', default: '128' },
    'in-flight': { type: 'string', default: '1000' },
    members: { type: 'string', default: '3' },
    runs: { type: 'string', default: '1' },
    'cpu-prof': { type: 'boolean', default: false },
    'cpu-prof-dir': { type: 'string' },
    top: { type: 'string', default: '25' },
  },
});
for (const key of ['messages', 'payload', 'in-flight', 'members', 'runs', 'top']) {
  const n = Number(values[key]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${key} must be a positive integer, got ${values[key]}`);
}
const modes = (values.modes ?? `${values.ordering}/${values.delivery}`).split(',').map((m) => {
  const [ordering, delivery = 'agreed'] = m.split('/');
  if (!['fifo', 'causal', 'total'].includes(ordering) || !['agreed', 'safe'].includes(delivery)) {
    throw new Error(`mode ${m}: expected fifo|causal|total[/agreed|safe]`);
  }
  return { ordering, delivery };
});
const memberScript = fileURLToPath(new URL('./profile-member.mjs', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));
const TIMEOUT_MS = 300_000;

/** One run of one mode: fresh server and members; returns each member's result. */
async function runOnce(mode, profileDir) {
  const server = await startNatsServer({ name: 'profile' });
  const procs = [];
  try {
    for (let i = 0; i < Number(values.members); i++) {
      const args = [
        ...(profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir]),
        memberScript,
        ...['--url', server.url, '--name', `m${i}`, '--members', values.members],
        ...['--ordering', mode.ordering, '--delivery', mode.delivery, '--messages', values.messages],
        ...['--payload', values.payload, '--in-flight', values['in-flight']],
      ];
      procs.push(spawnTracked(process.execPath, args, { stdin: true, name: `m${i}` }));
      // Joined one after another: the first forms the group, the others join it.
      await procs[i].waitForLine(/^joined$/, 30_000);
    }
    await Promise.all(procs.map((p) => p.waitForLine(/^ready /, 60_000)));
    for (const p of procs) p.writeLine('go');
    const lines = await Promise.all(procs.map((p) => p.waitForLine(/^result /, TIMEOUT_MS)));
    for (const p of procs) p.writeLine('exit');
    await Promise.all(procs.map((p) => p.exited));
    return lines.map((l) => JSON.parse(l.slice('result '.length)));
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await stopAllNatsServers();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

/** Self time by function (name, file, line) over every .cpuprofile in `dir`. */
function topSelfTime(dir, top) {
  const self = new Map();
  let total = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    // Sample i lasts until sample i+1 (timeDeltas[i+1], µs); the last one gets the mean interval.
    const { samples, timeDeltas } = profile;
    const meanDelta = (profile.endTime - profile.startTime) / Math.max(1, samples.length);
    for (let i = 0; i < samples.length; i++) {
      const { functionName, url, lineNumber } = byId.get(samples[i]).callFrame;
      const key = `${functionName || '(anonymous)'} ${shortUrl(url)}${url ? `:${lineNumber + 1}` : ''}`;
      const us = timeDeltas[i + 1] ?? meanDelta;
      self.set(key, (self.get(key) ?? 0) + us);
      total += us;
    }
  }
  const idle = self.get('(idle) ') ?? 0;
  const busy = total - idle;
  console.log(
    `\ntop ${top} by self time (${fmt(busy / 1000)} ms busy, ${fmt(idle / 1000)} ms idle, profiles in ${dir})`,
  );
  const rows = [...self].filter(([k]) => k !== '(idle) ').sort((a, b) => b[1] - a[1]);
  for (const [key, us] of rows.slice(0, top)) {
    console.log(`${fmt(us / 1000).padStart(8)} ms ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${key}`);
  }
}

function shortUrl(url) {
  if (!url) return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('node_modules/');
  return nm >= 0 ? path.slice(nm + 'node_modules/'.length) : relative(repo, path);
}

const summary = [];
try {
  for (const mode of modes) {
    const label = `${mode.ordering}/${mode.delivery}`;
    const perRun = [];
    let profileDir;
    for (let run = 1; run <= Number(values.runs); run++) {
      profileDir = values['cpu-prof']
        ? mkdtempSync(join(values['cpu-prof-dir'] ?? tmpdir(), `cohort-prof-${label.replace('/', '-')}-`))
        : undefined;
      const results = await runOnce(mode, profileDir);
      const rates = results.map((r) => r.delivered / (r.ms / 1000));
      const cpu = results.map((r) => (r.userUs + r.systemUs) / r.delivered);
      console.log(
        `${label} run ${run}: ` +
          results.map((r, i) => `${r.name} ${fmt(rates[i])}/s ${cpu[i].toFixed(1)} µs/msg`).join(', '),
      );
      perRun.push({ rate: mean(rates), cpu: mean(cpu) });
    }
    summary.push({ label, perRun });
    if (profileDir !== undefined) topSelfTime(profileDir, Number(values.top));
  }
} finally {
  await stopAllNatsServers();
}

console.log(
  `\n${values.members} members × ${values.messages} messages of ${values.payload} B, in flight ${values['in-flight']}`,
);
console.log('mode          delivered/s per member (median, min–max)   CPU µs per delivery (median, min–max)');
for (const { label, perRun } of summary) {
  const rates = perRun.map((r) => r.rate);
  const cpus = perRun.map((r) => r.cpu);
  console.log(
    `${label.padEnd(13)} ${fmt(median(rates)).padStart(8)} (${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))})`.padEnd(
      57,
    ) + `${median(cpus).toFixed(1).padStart(6)} (${Math.min(...cpus).toFixed(1)}–${Math.max(...cpus).toFixed(1)})`,
  );
}
