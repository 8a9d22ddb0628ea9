import { performance } from 'node:perf_hooks';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { boundedPump } from './bounded-pump.js';
import { DeliveryCounter } from './delivery-counter.js';
import type { ScenarioSpec } from './messages.js';
import type { PreparedScenario } from './scenario.js';
import { expectedArrivals } from './scenario.js';
import { LatencyRecorder, stampedPayload, withLatency } from './latency.js';
import { TIMED_OUT, within } from './within.js';

type JetStreamSpec = Extract<ScenarioSpec, { kind: 'jetstream' }>;

// Pull batches of this many: the client's default (100) costs a pull request per 75 messages.
const PULL_BATCH = 1000;

/**
 * The JetStream baseline, what teams use today as a total-order log: every member publishes with
 * js.publish (each one acknowledged once stored; at most `inFlight` unacknowledged) and reads the
 * whole stream through its own ordered consumer. The driver creates the stream beforehand.
 */
export async function prepareJetStream(
  nc: NatsConnection,
  spec: JetStreamSpec,
  sending: boolean,
): Promise<PreparedScenario> {
  const js = jetstream(nc);
  const counter = new DeliveryCounter(expectedArrivals(spec));
  const latency = new LatencyRecorder(counter.expected);
  const consumer = await js.consumers.get(spec.stream);
  const messages = await consumer.consume({
    max_messages: PULL_BATCH,
    callback: (msg) => {
      latency.record(msg.data);
      counter.record();
    },
  });
  const toSend = sending ? spec.messages : 0;
  return {
    async go() {
      const start = performance.now();
      counter.begin(start);
      const pump = boundedPump(
        toSend,
        spec.inFlight,
        () => js.publish(spec.subject, stampedPayload(spec.payloadBytes)),
        spec.rate,
      );
      // Counted alongside the sends: sends that hang must not keep the member from reporting.
      const outcome = await counter.wait(spec.idleTimeoutMs);
      const failure = await within(pump.settled, spec.idleTimeoutMs);
      const notes = [
        ...(failure === TIMED_OUT
          ? [`${toSend - pump.accepted} publishs unsettled`]
          : failure === undefined
            ? []
            : [`publish failed: ${failure.message}`]),
        ...(outcome.complete ? [] : [`nothing arrived for ${spec.idleTimeoutMs} ms`]),
      ];
      return {
        event: 'done',
        result: {
          delivered: outcome.delivered,
          expected: counter.expected,
          sent: pump.accepted,
          elapsedMs: outcome.lastAt - start,
          ...withLatency(latency),
          ...(notes.length === 0 ? {} : { note: notes.join('; ') }),
        },
      };
    },
    async finish() {
      await messages.close();
    },
  };
}
