// The line protocol between the bench driver and its member processes: the driver writes one
// command per line to a member's stdin, the member answers each with one event on stdout. Events
// carry a prefix so that anything else a library prints on stdout cannot be taken for one.

import type { DeliveryMode, Ordering } from '@cohort/nats';

/** The member that sends when only one does. */
export const FIRST_MEMBER = 'm1';

/** Who sends in a traffic scenario: every member, or only the first (`m1`). */
export const Senders = { all: 'all', one: 'one' } as const;
export type Senders = (typeof Senders)[keyof typeof Senders];

/** What every traffic scenario has: how much, how big, who sends and how fast. */
export interface TrafficSpec {
  readonly messages: number;
  readonly payloadBytes: number;
  readonly members: number;
  readonly senders: Senders;
  /** Messages per second per sender; undefined: as fast as the flow control lets it. */
  readonly rate?: number;
  readonly idleTimeoutMs: number;
}

/** One kind of measurement; every member process runs the same spec at the same time. */
export type ScenarioSpec =
  | ({ readonly kind: 'raw'; readonly subject: string } & TrafficSpec)
  | ({
      readonly kind: 'jetstream';
      readonly stream: string;
      readonly subject: string;
      readonly inFlight: number;
    } & TrafficSpec)
  | ({
      readonly kind: 'cohort';
      readonly group: string;
      readonly ordering: Ordering;
      readonly delivery: DeliveryMode;
      readonly inFlight: number;
    } & TrafficSpec)
  | {
      /** A process that joins the Cohort group on `go`, while the others multicast. */
      readonly kind: 'joiner';
      readonly group: string;
      readonly ordering: Ordering;
      readonly delivery: DeliveryMode;
    };

export type Command =
  /** Set up (subscribe, create the consumer, join and wait for the full view), then answer `ready`. */
  | { readonly cmd: 'prepare'; readonly spec: ScenarioSpec }
  /** Start sending now; answer `done` once everything arrived or nothing arrived for a while. */
  | { readonly cmd: 'go' }
  /** Tear the prepared scenario down (unsubscribe, leave the group). */
  | { readonly cmd: 'finish' }
  | { readonly cmd: 'exit' };

/** What one member measured in one scenario. */
export interface MemberResult {
  /** Messages this member received (deliveries, for Cohort), its own included. */
  readonly delivered: number;
  /** members × messages: what it should receive. */
  readonly expected: number;
  /** Messages it sent that were accepted (published, acknowledged, or delivered locally). */
  readonly sent: number;
  /** From the `go` command to its last delivery. */
  readonly elapsedMs: number;
  /** Why it stopped short, when it did. */
  readonly note?: string;
  /** Cohort only: what happened to the group while this member measured. */
  readonly timeline?: GroupTimeline;
  /** From each message's send (stamped in its payload) to its arrival here, in ms. */
  readonly latency?: LatencySummary;
  /** The member process's largest resident set while it measured, sampled every 50 ms. */
  readonly rssMaxBytes?: number;
  /** CPU time (user + system) the member process used while it measured, in µs. */
  readonly cpuUs?: number;
  /** Cohort only: NAKs and retransmissions this member sent in the scenario's group. */
  readonly repairs?: { readonly naks: number; readonly retransmissions: number };
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Times are epoch milliseconds (performance.timeOrigin + now()), comparable across processes. */
export interface GroupTimeline {
  readonly startedAt: number;
  readonly lastDeliveryAt: number;
  /** Views installed after the start. */
  readonly views: readonly { readonly at: number; readonly size: number }[];
  /** How long each flush kept this member from sending and delivering (status 'flushing'). */
  readonly blockedMs: readonly number[];
}

/** What the joiner measured: from its join() call to its first view. */
export interface JoinResult {
  readonly startedAt: number;
  readonly installedAt: number;
  readonly size: number;
}

export type MemberEvent =
  | { readonly event: 'hello'; readonly name: string; readonly pid: number }
  | { readonly event: 'ready' }
  | { readonly event: 'unavailable'; readonly reason: string }
  | { readonly event: 'failed'; readonly reason: string }
  | { readonly event: 'done'; readonly result: MemberResult }
  | { readonly event: 'joined'; readonly result: JoinResult }
  | { readonly event: 'finished' }
  | { readonly event: 'bye' };

export const EVENT_PREFIX = 'BENCH ';

export function eventLine(event: MemberEvent): string {
  return `${EVENT_PREFIX}${JSON.stringify(event)}`;
}

/** The event on a member's stdout line, or undefined for any other output. */
export function parseEventLine(line: string): MemberEvent | undefined {
  if (!line.startsWith(EVENT_PREFIX)) return undefined;
  return JSON.parse(line.slice(EVENT_PREFIX.length)) as MemberEvent;
}
