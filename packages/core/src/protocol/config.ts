/** Knobs of one group's protocol instance; the runtime validates user options into this. */
export interface GroupProtocolConfig {
  /** No answer to a join request within this long: form a view of one. */
  readonly joinTimeoutMs: number;
  /** Resend join / leave requests this often until answered. */
  readonly joinRetryMs: number;
  /** Re-NAK a gap that is still open after this long. */
  readonly nakIntervalMs: number;
  /** Send a stability digest this often while something changed. */
  readonly digestIntervalMs: number;
  /** ... and at least this often when idle, so that a lost tail is found. */
  readonly idleDigestIntervalMs: number;
  /** Resend flush steps (propose, cut, cut-ok) this often until answered. */
  readonly flushRetryMs: number;
  /** A multicast waits at most this long for a view change to end; then it is refused, not sent. */
  readonly flushTimeoutMs: number;
  /** Sender window: unstable messages in flight. */
  readonly windowMessages: number;
  /** Sender window: unstable payload bytes in flight. */
  readonly windowBytes: number;
  /** Largest payload of one data frame; larger multicasts are split into pieces this size. */
  readonly maxPayloadBytes: number;
  /** Largest multicast, split or not. */
  readonly maxMessageBytes: number;
  /** Frames kept for a view not installed yet. */
  readonly maxFutureFrames: number;
  /** Retransmissions answered for one NAK. */
  readonly maxRetransmitPerNak: number;
  /**
   * Total order: the sequencer publishes the records it assigned at `end-batch` inputs and at the
   * end of every step but a frame's or a multicast's, not at the end of every step, so that one
   * order frame carries the records of a whole burst of inputs. The runtime sends `end-batch`
   * once it has handled what arrived together; the simulators send none, so there, switched on
   * (`--protocol batchOrderRecords=1`), records go out at ticks: a sequencer slower to publish.
   */
  readonly batchOrderRecords: boolean;
  /**
   * Safe delivery: at an `end-batch` input, a member that sent or received traffic in the burst
   * sends its digest at once, if at least this long passed since its last one, and otherwise at
   * the first tick after that (0: off, digests wait for digestIntervalMs). A message is delivered
   * once every member's digest covers it, so the digest period is safe delivery's latency and,
   * with a bounded window, its throughput. The runtime sets it; the simulators send no end-batch.
   */
  readonly burstDigestMs: number;
}

export const DEFAULT_GROUP_PROTOCOL_CONFIG: GroupProtocolConfig = {
  joinTimeoutMs: 1000,
  joinRetryMs: 200,
  nakIntervalMs: 100,
  digestIntervalMs: 50,
  idleDigestIntervalMs: 1000,
  flushRetryMs: 250,
  flushTimeoutMs: 5000,
  windowMessages: 4096,
  windowBytes: 16 * 1024 * 1024,
  maxPayloadBytes: 1024 * 1024 - 1024,
  maxMessageBytes: 64 * 1024 * 1024,
  maxFutureFrames: 8192,
  maxRetransmitPerNak: 512,
  batchOrderRecords: false,
  burstDigestMs: 0,
};

/** How one group orders deliveries (DESIGN §3.10); every member of a group must use the same. */
export interface GroupOrdering {
  readonly ordering: 'fifo' | 'causal' | 'total';
  readonly delivery: 'agreed' | 'safe';
}

export const DEFAULT_GROUP_ORDERING: GroupOrdering = { ordering: 'fifo', delivery: 'agreed' };
