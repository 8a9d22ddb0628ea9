// The line protocol between the bench driver and its member processes: the driver writes one
// command per line to a member's stdin, the member answers each with one event on stdout. Events
// carry a prefix so that anything else a library prints on stdout cannot be taken for one.

import type { DeliveryMode, Ordering } from '@cohort/nats';

/** One kind of measurement; every member process runs the same spec at the same time. */
export type ScenarioSpec =
  | {
      readonly kind: 'raw';
      readonly subject: string;
      readonly messages: number;
      readonly payloadBytes: number;
      readonly members: number;
      readonly idleTimeoutMs: number;
    }
  | {
      readonly kind: 'jetstream';
      readonly stream: string;
      readonly subject: string;
      readonly messages: number;
      readonly payloadBytes: number;
      readonly members: number;
      readonly inFlight: number;
      readonly idleTimeoutMs: number;
    }
  | {
      readonly kind: 'cohort';
      readonly group: string;
      readonly ordering: Ordering;
      readonly delivery: DeliveryMode;
      readonly messages: number;
      readonly payloadBytes: number;
      readonly members: number;
      readonly inFlight: number;
      readonly idleTimeoutMs: number;
    }
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
