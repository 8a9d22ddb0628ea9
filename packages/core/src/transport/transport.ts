/**
 * What the runtime needs from a message bus: subject-addressed publish/subscribe with NATS
 * semantics (per-publisher order, at-most-once, `*` and `>` wildcards). A transport does not
 * echo a connection's own publishes back to it (NATS `noEcho`): the protocol handles its own
 * frames locally.
 */
export interface TransportMessage {
  readonly subject: string;
  readonly data: Uint8Array;
}

export interface TransportSubscription {
  unsubscribe(): void;
}

export interface Transport {
  /** Largest message the bus accepts, in bytes (NATS: the server's max_payload). */
  readonly maxPayload: number;
  publish(subject: string, data: Uint8Array): void;
  subscribe(subject: string, onMessage: (msg: TransportMessage) => void): TransportSubscription;
  /** Resolves once everything published so far reached the bus. */
  flush(): Promise<void>;
  /** Flushes, unsubscribes and disconnects. */
  close(): Promise<void>;
  /**
   * Reports when this connection to the bus goes down and comes back (NATS disconnect and
   * reconnect). Optional: a transport that cannot lose its bus never calls it.
   */
  onConnectionChange?(listener: (up: boolean) => void): void;
}
