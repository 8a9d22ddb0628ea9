import type { Observable } from 'rxjs';
import type { GroupStatus } from '../protocol/messages.js';
import type { MemberId, View } from '../protocol/view.js';
import type { DeliveryMode, Ordering } from './options.js';

/** A delivered multicast, as applications see it. */
export interface Delivery<T> {
  readonly group: string;
  readonly payload: T;
  readonly sender: MemberId;
  readonly viewId: number;
  readonly seq: number;
  readonly type?: string;
}

export interface MulticastOptions {
  /** Application message type, used by `stream(type)` and `@OnMessage(type)`. One short string. */
  readonly type?: string;
}

/** Where a multicast went: its view and its seq among the sender's messages in that view. */
export interface MulticastReceipt {
  readonly viewId: number;
  readonly seq: number;
}

/** A node's membership in one group (DESIGN §7). */
export interface Group<T> {
  readonly name: string;
  readonly ordering: Ordering;
  readonly delivery: DeliveryMode;
  /** The views this member installs, in order; replays the current view to new subscribers. */
  readonly views$: Observable<View>;
  /** Deliveries in delivery order; hot; completes when the member leaves. */
  readonly messages$: Observable<Delivery<T>>;
  /** joining → member ⇄ flushing → left; replays the current status. */
  readonly status$: Observable<GroupStatus>;
  /** Errors that do not end the membership (for example a payload the codec cannot decode). */
  readonly errors$: Observable<Error>;
  /** The current view. */
  readonly view: View;
  /** View changes this member went through, and how long each held its sending back (ms). */
  readonly flushStats: {
    readonly count: number;
    readonly lastMs: number;
    readonly maxMs: number;
    readonly totalMs: number;
  };
  readonly status: GroupStatus;
  /** Deliveries of one application type, narrowed to the payload type `U` that type carries. */
  stream<U extends T = T>(type: string): Observable<Delivery<U>>;
  /** Resolves once the message is delivered locally (DESIGN §3.12); waits while the window is full or a view change runs. */
  multicast(payload: T, options?: MulticastOptions): Promise<MulticastReceipt>;
  /** Leaves through a view change; resolves once this member is out of the group. */
  leave(): Promise<void>;
}
