// One member process of scripts/profile-hot-path.mjs (not meant to be run by hand). It joins one
// group on the built @cohort/nats, says `ready <members>` once the view holds every member,
// multicasts --messages payloads of --payload bytes (at most --in-flight unacknowledged) after the
// driver's `go`, counts deliveries until members × messages, prints one `result <json>` line with
// its wall time and process.cpuUsage() over that window, and leaves on `exit`. Driver ⇄ member
// talk is stdin/stdout lines, so that every member starts sending at the same moment.
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { bytesCodec, connect } from '@cohort/nats';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    name: { type: 'string' },
    members: { type: 'string' },
    ordering: { type: 'string' },
    delivery: { type: 'string' },
    messages: { type: 'string' },
    payload: { type: 'string' },
    'in-flight': { type: 'string' },
  },
});
const members = Number(values.members);
const messages = Number(values.messages);
const inFlight = Number(values['in-flight']);
const payload = new Uint8Array(Number(values.payload)).fill(0x61);
const expected = members * messages;

// Warnings would go to stderr, which the driver shows if the member fails.
const logger = { debug() {}, log() {}, warn: (m) => console.error(m), error: (m) => console.error(m) };
const node = await connect({ servers: values.url, namespace: 'profile', name: values.name, logger });
const group = await node.join('hot', { ordering: values.ordering, delivery: values.delivery, codec: bytesCodec });
console.log('joined');

let delivered = 0;
let done;
const allDelivered = new Promise((resolve) => (done = resolve));
// The window opens at `go`, or at the first delivery if another member's go came first.
let window;
const open = () => (window ??= { cpu: process.cpuUsage(), start: performance.now() });
group.messages$.subscribe(() => {
  open();
  if (++delivered === expected) done(performance.now());
});
group.views$.subscribe((v) => {
  if (v.members.length === members) console.log(`ready ${v.members.length}`);
});

/** Keeps at most `limit` multicasts unacknowledged; resolves once all `count` are acknowledged. */
function pump(count, limit) {
  return new Promise((resolve, reject) => {
    let started = 0;
    let settled = 0;
    const fill = () => {
      while (started < count && started - settled < limit) {
        started++;
        group.multicast(payload).then(() => {
          if (++settled === count) resolve();
          else fill();
        }, reject);
      }
    };
    fill();
  });
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line === 'go') {
    const { cpu, start } = open();
    const [, end] = await Promise.all([pump(messages, inFlight), allDelivered]);
    const used = process.cpuUsage(cpu);
    const result = { name: values.name, delivered, ms: end - start, userUs: used.user, systemUs: used.system };
    console.log(`result ${JSON.stringify(result)}`);
  } else if (line === 'exit') {
    // Every member leaves at once; a view change that outlasts this is not what is measured.
    await Promise.race([node.close(), sleep(5_000)]);
    process.exit(0);
  }
}
