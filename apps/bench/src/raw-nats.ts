import { performance } from 'node:perf_hooks';
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import { DeliveryCounter } from './delivery-counter.js';
import { withLatency } from './latency.js';
import type { ScenarioSpec } from './messages.js';
import type { PreparedScenario } from './scenario.js';
import { LatencyRecorder, stampedPayload } from './latency.js';
import { expectedArrivals } from './scenario.js';

type RawSpec = Extract<ScenarioSpec, { kind: 'raw' }>;

// Core NATS has no backpressure: a publisher that never yields fills its socket buffer while its
// own subscription is not read, and the server cuts it off as a slow consumer. Yielding to the
// event loop after each batch lets reads and writes interleave, as in an application.
const PUBLISH_BATCH = 64;

/**
 * The baseline: plain publish → subscribe fan-out on one subject. Every member subscribes and
 * publishes, and receives its own messages too (echo is on), as Cohort members deliver their own.
 */
export async function prepareRaw(nc: NatsConnection, spec: RawSpec, sending: boolean): Promise<PreparedScenario> {
  const counter = new DeliveryCounter(expectedArrivals(spec));
  const latency = new LatencyRecorder(counter.expected);
  const sub = nc.subscribe(spec.subject, {
    callback: (_err, msg) => {
      latency.record(msg.data);
      counter.record();
    },
  });
  // The subscription is registered at the server once the flush's PONG is back: no message of a
  // member that starts first can be missed.
  await nc.flush();
  const toSend = sending ? spec.messages : 0;
  return {
    async go() {
      const start = performance.now();
      counter.begin(start);
      let sent = 0;
      const rate = spec.rate;
      while (sent < toSend) {
        if (rate !== undefined) {
          const ahead = start + (sent * 1000) / rate - performance.now();
          if (ahead > 1) await sleep(ahead);
        }
        const batchEnd = Math.min(toSend, sent + (rate === undefined ? PUBLISH_BATCH : 1));
        for (; sent < batchEnd; sent++) nc.publish(spec.subject, stampedPayload(spec.payloadBytes));
        if (rate === undefined) await setImmediate();
      }
      await nc.flush();
      const outcome = await counter.wait(spec.idleTimeoutMs);
      const stats = nc.stats();
      return {
        event: 'done',
        result: {
          delivered: outcome.delivered,
          expected: counter.expected,
          sent,
          elapsedMs: outcome.lastAt - start,
          ...withLatency(latency),
          ...(outcome.complete
            ? {}
            : {
                note: `nothing arrived for ${spec.idleTimeoutMs} ms; connection stats: ${stats.inMsgs} in, ${stats.outMsgs} out`,
              }),
        },
      };
    },
    async finish() {
      sub.unsubscribe();
      await nc.flush();
    },
  };
}
