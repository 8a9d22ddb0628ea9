import { performance } from 'node:perf_hooks';
import { bytesCodec, ConfigurationError } from '@cohort/nats';
import type { Group, NatsCohortNode, View } from '@cohort/nats';
import { boundedPump } from './bounded-pump.js';
import { DeliveryCounter } from './delivery-counter.js';
import { GroupTimelineRecorder } from './group-timeline.js';
import type { ScenarioSpec } from './messages.js';
import type { PreparedScenario } from './scenario.js';
import { expectedArrivals, ScenarioUnavailableError } from './scenario.js';
import { LatencyRecorder, stampedPayload, withLatency } from './latency.js';
import { TIMED_OUT, within } from './within.js';

type CohortSpec = Extract<ScenarioSpec, { kind: 'cohort' }>;

const FULL_VIEW_TIMEOUT_MS = 30_000;
// A leave is a view change; a member whose peers already left ends alone, quickly.
const LEAVE_TIMEOUT_MS = 10_000;

/** Resolves with the first view that has `size` members or more. */
function fullView(group: Group<Uint8Array>, size: number): Promise<View> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      const members = group.status === 'joining' ? 'none yet' : group.view.members.join(', ');
      reject(
        new Error(
          `group ${group.name}: no view of ${size} members within ${FULL_VIEW_TIMEOUT_MS} ms (now: ${members})`,
        ),
      );
    }, FULL_VIEW_TIMEOUT_MS);
    const sub = group.views$.subscribe((view) => {
      if (view.members.length < size) return;
      clearTimeout(timer);
      queueMicrotask(() => sub.unsubscribe());
      resolve(view);
    });
  });
}

/**
 * One Cohort member: joins the scenario's group with its ordering and delivery mode, raw bytes as
 * payloads (no JSON, like the NATS baselines), and waits for a view with every member. `go`
 * multicasts with at most `inFlight` calls unresolved: multicast() resolves on local delivery and
 * waits while the sender window is full, so this is Cohort's own backpressure, not the bench's.
 */
export async function prepareCohort(
  node: NatsCohortNode,
  spec: CohortSpec,
  sending: boolean,
): Promise<PreparedScenario> {
  const counter = new DeliveryCounter(expectedArrivals(spec));
  const latency = new LatencyRecorder(counter.expected);
  let group: Group<Uint8Array>;
  try {
    group = await node.join<Uint8Array>(spec.group, {
      ordering: spec.ordering,
      delivery: spec.delivery,
      codec: bytesCodec,
      attach: (g) =>
        g.messages$.subscribe((d) => {
          latency.record(d.payload);
          counter.record();
        }),
    });
  } catch (error) {
    if (error instanceof ConfigurationError) throw new ScenarioUnavailableError(error.message);
    throw error;
  }
  try {
    await fullView(group, spec.members);
  } catch (error) {
    await within(group.leave(), LEAVE_TIMEOUT_MS);
    throw error;
  }
  const toSend = sending ? spec.messages : 0;
  return {
    async go() {
      const timeline = new GroupTimelineRecorder(group);
      const start = performance.now();
      counter.begin(start);
      const pump = boundedPump(
        toSend,
        spec.inFlight,
        () => group.multicast(stampedPayload(spec.payloadBytes)),
        spec.rate,
      );
      // Counted alongside the sends: sends that hang must not keep the member from reporting.
      const outcome = await counter.wait(spec.idleTimeoutMs);
      const failure = await within(pump.settled, spec.idleTimeoutMs);
      const notes = [
        ...(failure === TIMED_OUT
          ? [`${toSend - pump.accepted} multicasts unsettled`]
          : failure === undefined
            ? []
            : [`multicast failed: ${failure.message}`]),
        ...(outcome.complete ? [] : [`nothing delivered for ${spec.idleTimeoutMs} ms`]),
        ...(group.view.members.length >= spec.members
          ? []
          : [`the view shrank to ${group.view.members.length} members`]),
      ];
      const counters = node.counters().groups[spec.group];
      return {
        event: 'done',
        result: {
          ...(counters === undefined
            ? {}
            : { repairs: { naks: counters.naks, retransmissions: counters.retransmissions } }),
          delivered: outcome.delivered,
          expected: counter.expected,
          sent: pump.accepted,
          elapsedMs: outcome.lastAt - start,
          timeline: timeline.stop(performance.timeOrigin + outcome.lastAt),
          ...withLatency(latency),
          ...(notes.length === 0 ? {} : { note: notes.join('; ') }),
        },
      };
    },
    async finish() {
      await within(group.leave(), LEAVE_TIMEOUT_MS);
    },
  };
}
