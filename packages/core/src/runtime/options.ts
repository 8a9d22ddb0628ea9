import type { Group } from './group.js';
import type { MeshOptions } from './mesh-options.js';
import { ConfigurationError } from '../errors.js';
import { validateName } from '../names.js';
import type { PayloadCodec } from '../payload-codec.js';
import type { GroupProtocolConfig } from '../protocol/config.js';
import { DEFAULT_GROUP_PROTOCOL_CONFIG } from '../protocol/config.js';
import type { CohortLogger } from './logger.js';

export const Ordering = { fifo: 'fifo', causal: 'causal', total: 'total' } as const;
export type Ordering = (typeof Ordering)[keyof typeof Ordering];
export const DeliveryMode = { agreed: 'agreed', safe: 'safe' } as const;
export type DeliveryMode = (typeof DeliveryMode)[keyof typeof DeliveryMode];

/** Timing and window options shared by every group of a node. */
export interface ProtocolOptions {
  /** No answer to a join within this long: form a view of one. Default 1000. */
  joinTimeoutMs?: number;
  /** Resend a gap's NAK after this long. Default 100. */
  nakIntervalMs?: number;
  /** Stability digest period while traffic flows. Default 50. */
  digestIntervalMs?: number;
  /** Resend a flush step after this long. Default 250. */
  flushRetryMs?: number;
  /** A multicast waits at most this long for a view change to end, then fails with FlushTimeoutError. Default 5000. */
  flushTimeoutMs?: number;
  /** Unstable own messages in flight per group before multicast() waits. Default 4096. */
  windowMessages?: number;
  /** Unstable own payload bytes in flight per group before multicast() waits. Default 16 MiB. */
  windowBytes?: number;
  /** Protocol clock resolution. Default 20. */
  tickMs?: number;
  /**
   * Largest multicast payload (after the codec), in bytes. Payloads over the server's
   * max_payload are split into pieces and put back together at every member. Default 64 MiB.
   */
  maxMessageBytes?: number;
}

export interface NodeOptions extends ProtocolOptions, MeshOptions {
  /** Isolates deployments on one NATS account: one subject token. */
  namespace: string;
  /**
   * The node's name, one subject token; default `node`. Its id is `<name>-<12 hex digits>`. The name
   * ends every subject the node publishes on: give each node a name of its own, and a NATS user
   * allowed to publish only on subjects that end with it, to make identity server-enforced
   * (docs/design/security.md).
   */
  name?: string;
  logger?: CohortLogger;
}

export interface JoinOptions<T> {
  ordering?: Ordering;
  delivery?: DeliveryMode;
  codec?: PayloadCodec<T>;
  /** Wait at most this long for the first view. Default joinTimeoutMs + 10 s. */
  timeoutMs?: number;
  /**
   * Called with the handle before the join starts, so that subscriptions made here see the
   * first view and every delivery. (Without it, `messages$` holds deliveries for its first
   * subscriber, up to `backlogLimit`.)
   */
  attach?: (group: Group<T>) => void;
  /** Deliveries held for the first `messages$` subscriber. Default 100,000. */
  backlogLimit?: number;
  /**
   * Application state handed to joiners (DESIGN §5.5). Every member of the group must pass it.
   * `snapshot` is called at the install of a view with joiners on the oldest member that was
   * already in the group, after every delivery of the previous view and before any of the new
   * one. It may return the state or a promise of it: a promise lets an application whose
   * deliveries are still being processed asynchronously (a handler queue, as in @cohort/nestjs)
   * take the snapshot at the right point of that queue; the joiners wait for it. A joiner's
   * `restore` runs before its first view is reported and before any delivery; if it returns a
   * promise, nothing more of the group (views, deliveries, acknowledgements) is reported until it
   * settles. The state crosses the wire through `codec` (JSON by default).
   */
  state?: GroupState;
}

export interface GroupState<S = unknown> {
  snapshot(): S | Promise<S>;
  restore(state: S): void | Promise<void>;
  codec?: PayloadCodec<S>;
}

const FRAME_OVERHEAD = 1024;
/**
 * Under safe delivery, digests at the ends of bursts at most this often: 500 a second per member
 * at most, not one per received multicast at moderate rates. At 5 ms, a multicast every 2 ms
 * waited 6 ms (p50) for stability, at 2 ms 0.5 ms (fifo) and 3 ms (total); 1 ms gained little more.
 */
const BURST_DIGEST_MS = 2;

function positiveInt(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ConfigurationError(option, `must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Validates node options; every error names the option and what to change. */
export function resolveProtocolConfig(
  options: ProtocolOptions,
  maxPayload: number,
): GroupProtocolConfig & { tickMs: number } {
  const d = DEFAULT_GROUP_PROTOCOL_CONFIG;
  const tickMs = positiveInt('tickMs', options.tickMs, 20);
  const nakIntervalMs = positiveInt('nakIntervalMs', options.nakIntervalMs, d.nakIntervalMs);
  const digestIntervalMs = positiveInt('digestIntervalMs', options.digestIntervalMs, d.digestIntervalMs);
  const joinTimeoutMs = positiveInt('joinTimeoutMs', options.joinTimeoutMs, d.joinTimeoutMs);
  const flushRetryMs = positiveInt('flushRetryMs', options.flushRetryMs, d.flushRetryMs);
  const flushTimeoutMs = positiveInt('flushTimeoutMs', options.flushTimeoutMs, d.flushTimeoutMs);
  if (flushTimeoutMs < 2 * flushRetryMs) {
    throw new ConfigurationError(
      'flushTimeoutMs',
      `${flushTimeoutMs} ms leaves a view change no time to retry its steps (flushRetryMs ${flushRetryMs}); use at least ${2 * flushRetryMs}`,
    );
  }
  const windowMessages = positiveInt('windowMessages', options.windowMessages, d.windowMessages);
  const windowBytes = positiveInt('windowBytes', options.windowBytes, d.windowBytes);
  const maxMessageBytes = positiveInt('maxMessageBytes', options.maxMessageBytes, d.maxMessageBytes);
  if (maxPayload <= FRAME_OVERHEAD * 2) {
    throw new ConfigurationError(
      'maxPayload',
      `the bus allows only ${maxPayload} bytes per message; Cohort needs more than ${FRAME_OVERHEAD * 2}`,
    );
  }
  if (tickMs > Math.min(nakIntervalMs, digestIntervalMs)) {
    throw new ConfigurationError(
      'tickMs',
      `${tickMs} is coarser than nakIntervalMs/digestIntervalMs; lower tickMs or raise those`,
    );
  }
  if (joinTimeoutMs < 4 * tickMs) {
    throw new ConfigurationError(
      'joinTimeoutMs',
      `${joinTimeoutMs} ms is too short for tickMs ${tickMs}; use at least ${4 * tickMs}`,
    );
  }
  return {
    ...d,
    tickMs,
    nakIntervalMs,
    digestIntervalMs,
    joinTimeoutMs,
    joinRetryMs: Math.max(tickMs, Math.floor(joinTimeoutMs / 5)),
    flushRetryMs,
    flushTimeoutMs,
    windowMessages,
    windowBytes,
    maxPayloadBytes: maxPayload - FRAME_OVERHEAD,
    maxMessageBytes,
    maxFutureFrames: Math.max(d.maxFutureFrames, windowMessages * 2),
    // The node sends end-batch after each burst of inputs (CohortNode.dispatch).
    batchOrderRecords: true,
    burstDigestMs: BURST_DIGEST_MS,
  };
}

export function validateNodeOptions(options: NodeOptions): void {
  if (options === null || typeof options !== 'object') throw new ConfigurationError('options', 'must be an object');
  validateName('namespace', options.namespace);
  if (options.name !== undefined) validateName('node name', options.name);
}

/** A group name and its ordering options; anything else fails at join with a message that says what to fix. */
export function validateJoinOptions(
  group: string,
  options: JoinOptions<unknown>,
): { ordering: Ordering; delivery: DeliveryMode } {
  validateName('group name', group);
  if (group.startsWith('$')) {
    throw new ConfigurationError(
      'group',
      `${JSON.stringify(group)}: names starting with '$' are reserved for Cohort's own use`,
    );
  }
  const ordering = options.ordering ?? 'fifo';
  const delivery = options.delivery ?? 'agreed';
  if (!Object.hasOwn(Ordering, ordering)) {
    throw new ConfigurationError('ordering', `${JSON.stringify(ordering)} is not one of fifo, causal, total`);
  }
  if (!Object.hasOwn(DeliveryMode, delivery)) {
    throw new ConfigurationError('delivery', `${JSON.stringify(delivery)} is not one of agreed, safe`);
  }
  if (options.timeoutMs !== undefined) positiveInt('timeoutMs', options.timeoutMs, 1);
  const state = options.state;
  if (state !== undefined && (typeof state?.snapshot !== 'function' || typeof state.restore !== 'function')) {
    throw new ConfigurationError('state', 'must be { snapshot(): state, restore(state): void } (both functions)');
  }
  return { ordering, delivery };
}
