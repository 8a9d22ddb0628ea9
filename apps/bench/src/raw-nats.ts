import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import { DeliveryCounter } from './delivery-counter.js';
import type { ScenarioSpec } from './messages.js';
import type { PreparedScenario } from './scenario.js';
import { makePayload } from './scenario.js';

type RawSpec = Extract<ScenarioSpec, { kind: 'raw' }>;

// Core NATS has no backpressure: a publisher that never yields fills its socket buffer while its
// own subscription is not read, and the server cuts it off as a slow consumer. Yielding to the
// event loop after each batch lets reads and writes interleave, as in an application.
const PUBLISH_BATCH = 64;

/**
 * The baseline: plain publish → subscribe fan-out on one subject. Every member subscribes and
 * publishes, and receives its own messages too (echo is on), as Cohort members deliver their own.
 */
export async function prepareRaw(nc: NatsConnection, spec: RawSpec): Promise<PreparedScenario> {
  const counter = new DeliveryCounter(spec.members * spec.messages);
  const sub = nc.subscribe(spec.subject, { callback: () => counter.record() });
  // The subscription is registered at the server once the flush's PONG is back: no message of a
  // member that starts first can be missed.
  await nc.flush();
  const payload = makePayload(spec.payloadBytes);
  return {
    async go() {
      const start = performance.now();
      counter.begin(start);
      let sent = 0;
      while (sent < spec.messages) {
        const batchEnd = Math.min(spec.messages, sent + PUBLISH_BATCH);
        for (; sent < batchEnd; sent++) nc.publish(spec.subject, payload);
        await setImmediate();
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
