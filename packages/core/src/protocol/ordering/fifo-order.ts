import type { MemberId, View } from '../view.js';
import type { DeliveryOrder, OrderHost, OrderedMessage } from './delivery-order.js';

/**
 * FIFO order: each origin's messages in its send order, which the view channel already
 * guarantees; agreed delivery delivers on receipt. The per-origin queues exist for safe delivery
 * (a message waits until stable) and for causal order, which subclasses this with a stricter
 * `ready` rule.
 */
export class FifoOrder implements DeliveryOrder {
  /** Per member rank, the messages received and not yet delivered, oldest first from `heads[rank]`. */
  private readonly queues: OrderedMessage[][];
  private readonly heads: number[];
  private readonly ranks: ReadonlyMap<MemberId, number>;
  /** A delivery can make another origin's message deliverable (causal order): drain to a fixpoint. */
  protected readonly crossOrigin: boolean = false;
  private finished = false;

  constructor(
    protected readonly view: View,
    protected readonly host: OrderHost,
  ) {
    this.queues = view.members.map(() => []);
    this.heads = view.members.map(() => 0);
    this.ranks = new Map(view.members.map((m, i) => [m, i]));
  }

  receive(message: OrderedMessage): void {
    if (this.finished) return;
    this.queues[this.ranks.get(message.origin)!]!.push(message);
    this.drain(false);
  }

  stabilized(): void {
    if (!this.finished) this.drain(false);
  }

  stamp(): readonly number[] | undefined {
    return undefined;
  }

  hold(): void {}

  /**
   * Everything up to the cut is received: deliver whatever the rule allows within the cut,
   * stable or not; drop the rest. (A member can hold more than the cut: one the flush's voters
   * did not count, because the mesh had removed it, still follows the flush it hears.)
   */
  finish(cut: ReadonlyMap<MemberId, number>): void {
    if (this.finished) return;
    this.drain(true, cut);
    this.finished = true;
    for (const q of this.queues) q.length = 0;
  }

  /** May this message, the oldest undelivered of its origin, be delivered now (stability aside)? */
  protected ready(message: OrderedMessage): boolean {
    void message;
    return true;
  }

  /** Delivers queue heads until none is deliverable: one delivery may make another origin's head ready. */
  private drain(ignoreStability: boolean, cut?: ReadonlyMap<MemberId, number>): void {
    for (let progress = true; progress;) {
      progress = false;
      for (let rank = 0; rank < this.queues.length; rank++) {
        const queue = this.queues[rank]!;
        let head = this.heads[rank]!;
        while (head < queue.length) {
          const next = queue[head]!;
          if (!this.ready(next) || (!ignoreStability && !this.host.isStable(next.origin, next.seq))) break;
          if (cut !== undefined && next.seq > (cut.get(next.origin) ?? 0)) break;
          head++;
          progress = true;
          this.delivered(next);
          this.host.deliver(next);
        }
        if (head === queue.length) {
          queue.length = 0;
          head = 0;
        } else if (head > 1024 && head * 2 > queue.length) {
          queue.splice(0, head);
          head = 0;
        }
        this.heads[rank] = head;
      }
      // Under FIFO one pass delivers all it can: no delivery unblocks another origin.
      if (!this.crossOrigin) return;
    }
  }

  /** Bookkeeping of a subclass when a message is delivered. */
  protected delivered(message: OrderedMessage): void {
    void message;
  }
}
