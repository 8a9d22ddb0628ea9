import type { MemberId, View } from '../view.js';
import type { OrderHost, OrderedMessage } from './delivery-order.js';
import { FifoOrder } from './fifo-order.js';

/**
 * Causal order (CBCAST, DESIGN §5.3): a message carries its origin's vector clock, indexed by
 * member rank in the view; entry k is the seq of the last message of member k the origin had
 * delivered. It is delivered once this member has delivered as much of every other member, and
 * its origin's earlier messages (FIFO, from the queue). Clocks name seqs, not counts, so that a
 * multicast split into pieces counts once; they restart with each view, which the flush makes
 * safe. At the flush's end a message whose causal past reaches beyond the cut (its dependency
 * was held only by members that failed) can never be delivered and is dropped, by every member
 * alike: the clocks and the cut are the same everywhere, and clocks only grow along an origin's
 * stream, so what is dropped is a suffix of each origin's messages.
 */
export class CausalOrder extends FifoOrder {
  /** Per member rank, the seq of its last message delivered here. */
  private readonly last: number[];
  private readonly rankOf: ReadonlyMap<MemberId, number>;
  protected override readonly crossOrigin = true;

  constructor(view: View, host: OrderHost) {
    super(view, host);
    this.last = view.members.map(() => 0);
    this.rankOf = new Map(view.members.map((m, i) => [m, i]));
  }

  override stamp(): readonly number[] {
    return [...this.last];
  }

  protected override ready(message: OrderedMessage): boolean {
    const clock = message.clock!;
    const origin = this.rankOf.get(message.origin)!;
    for (let k = 0; k < this.last.length; k++) if (k !== origin && clock[k]! > this.last[k]!) return false;
    return true;
  }

  protected override delivered(message: OrderedMessage): void {
    this.last[this.rankOf.get(message.origin)!] = message.seq;
  }
}
