import type { SimClock } from './clock.js';
import type { Rng } from './rng.js';

/** Faults applied to every copy of a frame on every link, unless the link is blocked outright. */
export interface LinkFaults {
  /** Probability that one copy (one receiver's) is lost. */
  readonly loss: number;
  /** Probability that a copy is delivered twice. */
  readonly duplicate: number;
  /** Delay of each copy, uniform in [minDelayMs, maxDelayMs]; copies with different delays reorder. */
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * Keep per-link (sender → receiver) order, as NATS does per publisher: a copy never overtakes an
   * earlier one on its link, though copies may still be lost. False lets them overtake.
   */
  readonly fifoLinks: boolean;
}

export const NO_FAULTS: LinkFaults = { loss: 0, duplicate: 0, minDelayMs: 1, maxDelayMs: 1, fifoLinks: true };

/** What a node exposes to the bus. */
export interface Endpoint {
  /** False while crashed or paused: the copy is dropped on arrival. */
  readonly accepting: boolean;
  receive(bytes: Uint8Array, from: string): void;
}

export const NetworkDrop = {
  loss: 'loss',
  partition: 'partition',
  unreachable: 'unreachable',
} as const;
export type NetworkDrop = (typeof NetworkDrop)[keyof typeof NetworkDrop];

export interface NetworkStats {
  /** Frames handed to the bus (one per publish or unicast). */
  framesSent: number;
  framesSentByKind: Record<string, number>;
  /** Copies scheduled for delivery (one per receiver, plus duplicates). */
  copies: number;
  delivered: number;
  duplicated: number;
  dropped: Record<NetworkDrop, number>;
  bytes: number;
}

/** The topic of `subscribe` and `publish` when none is given: the one group (or mesh) of a run. */
export const DEFAULT_TOPIC = '';

/**
 * The simulated bus, with NATS' addressing: a publish on a topic (a group, or the mesh) reaches
 * every other node subscribed to it (never the sender), a unicast reaches one node's inbox. Delivery is
 * always asynchronous, through the clock. Loss and duplication are drawn per copy when it is sent;
 * partitions are sets of blocked directed links, checked on arrival so that a partition also cuts
 * off what is in flight.
 */
export class SimNetwork {
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly topics = new Map<string, Set<string>>();
  private readonly blocked = new Set<string>();
  private readonly lastArrival = new Map<string, number>();
  readonly stats: NetworkStats = {
    framesSent: 0,
    framesSentByKind: {},
    copies: 0,
    delivered: 0,
    duplicated: 0,
    dropped: { loss: 0, partition: 0, unreachable: 0 },
    bytes: 0,
  };

  constructor(
    private readonly clock: SimClock,
    private readonly rng: Rng,
    private faults: LinkFaults,
  ) {}

  get currentFaults(): LinkFaults {
    return this.faults;
  }

  setFaults(faults: LinkFaults): void {
    this.faults = faults;
  }

  /** Registers a node's inbox; it stays reachable by unicast until detached. */
  attach(node: string, endpoint: Endpoint): void {
    this.endpoints.set(node, endpoint);
  }

  detach(node: string): void {
    this.endpoints.delete(node);
    for (const subscribers of this.topics.values()) subscribers.delete(node);
  }

  /** The node receives publishes on `topic` from now on (it subscribed to the topic's subjects). */
  subscribe(node: string, topic = DEFAULT_TOPIC): void {
    let subscribers = this.topics.get(topic);
    if (subscribers === undefined) this.topics.set(topic, (subscribers = new Set()));
    subscribers.add(node);
  }

  unsubscribe(node: string, topic = DEFAULT_TOPIC): void {
    this.topics.get(topic)?.delete(node);
  }

  /** Drops everything from `from` to `to` until unblocked (one direction only). */
  block(from: string, to: string): void {
    this.blocked.add(linkKey(from, to));
  }

  unblock(from: string, to: string): void {
    this.blocked.delete(linkKey(from, to));
  }

  /** Symmetric partition: no link between the two sides works, in either direction. */
  partition(sideA: readonly string[], sideB: readonly string[]): void {
    for (const a of sideA) {
      for (const b of sideB) {
        this.block(a, b);
        this.block(b, a);
      }
    }
  }

  heal(): void {
    this.blocked.clear();
  }

  get blockedLinks(): number {
    return this.blocked.size;
  }

  isBlocked(from: string, to: string): boolean {
    return this.blocked.has(linkKey(from, to));
  }

  publish(from: string, kind: string, bytes: Uint8Array, topic = DEFAULT_TOPIC): void {
    this.count(kind, bytes);
    // Set order is subscription order, itself a product of the seeded run: deterministic.
    for (const to of this.topics.get(topic) ?? []) if (to !== from) this.transmit(from, to, bytes);
  }

  unicast(from: string, to: string, kind: string, bytes: Uint8Array): void {
    this.count(kind, bytes);
    this.transmit(from, to, bytes);
  }

  private count(kind: string, bytes: Uint8Array): void {
    this.stats.framesSent++;
    this.stats.framesSentByKind[kind] = (this.stats.framesSentByKind[kind] ?? 0) + 1;
    this.stats.bytes += bytes.length;
  }

  private transmit(from: string, to: string, bytes: Uint8Array): void {
    const faults = this.faults;
    if (this.rng.chance(faults.loss)) {
      this.stats.dropped.loss++;
      return;
    }
    this.schedule(from, to, bytes);
    if (this.rng.chance(faults.duplicate)) {
      this.stats.duplicated++;
      this.schedule(from, to, bytes);
    }
  }

  private schedule(from: string, to: string, bytes: Uint8Array): void {
    const faults = this.faults;
    let arrival = this.clock.now + this.rng.range(faults.minDelayMs, Math.max(faults.minDelayMs, faults.maxDelayMs));
    if (faults.fifoLinks) {
      // Equal arrival times keep scheduling order in the clock, so `max` is enough for FIFO.
      const key = linkKey(from, to);
      arrival = Math.max(arrival, this.lastArrival.get(key) ?? 0);
      this.lastArrival.set(key, arrival);
    }
    this.stats.copies++;
    this.clock.at(arrival, 'frame', () => this.arrive(from, to, bytes));
  }

  private arrive(from: string, to: string, bytes: Uint8Array): void {
    if (this.blocked.has(linkKey(from, to))) {
      this.stats.dropped.partition++;
      return;
    }
    const endpoint = this.endpoints.get(to);
    if (endpoint === undefined || !endpoint.accepting) {
      this.stats.dropped.unreachable++;
      return;
    }
    this.stats.delivered++;
    endpoint.receive(bytes, from);
  }
}

function linkKey(from: string, to: string): string {
  return `${from}\u0000${to}`;
}
