import type { MemberId } from '../view.js';

/** A whole multicast received in FIFO order from its origin (this member's own: at send). */
export interface OrderedMessage {
  readonly origin: MemberId;
  /** The seq of its last frame: what digests, cuts and order records name it by. */
  readonly seq: number;
  readonly type: string | undefined;
  readonly payload: Uint8Array;
  /** Causal order: the origin's vector clock when it sent the message. */
  readonly clock: readonly number[] | undefined;
  /** Set on this member's own multicasts: they are acknowledged when delivered here. */
  readonly requestId: number | undefined;
}

/** What an ordering needs from its view channel. */
export interface OrderHost {
  deliver(message: OrderedMessage): void;
  /** Safe delivery: every member of the view holds `origin`'s messages up to `seq`. Always true when agreed. */
  isStable(origin: MemberId, seq: number): boolean;
}

/**
 * The delivery rule of one view (DESIGN §5.1–5.3): which received message is delivered when.
 * Below it, the view channel makes each origin's stream reliable and FIFO; above it, deliveries
 * go to the application. A new instance starts with every view.
 */
export interface DeliveryOrder {
  receive(message: OrderedMessage): void;
  /** Stability rose (safe delivery): deliver what waited for it. */
  stabilized(): void;
  /** The vector clock to stamp on a new own multicast; undefined unless causal. */
  stamp(): readonly number[] | undefined;
  /** Answering a proposal: deliver nothing beyond what this member is about to report. */
  hold(): void;
  /**
   * The flush's end: every message up to the per-origin `cut` (and, under total order, every
   * order record up to `ordered`) has been received. Deliver what the rule still allows, the same
   * set at every member, then nothing more in this view.
   */
  finish(cut: ReadonlyMap<MemberId, number>, ordered: number): void;
}
