import type { Frame, OrderFrame, OrderNakFrame, OrderRecord } from '../../wire/frame.js';
import type { Destination, DropReason } from '../messages.js';
import type { MemberId, View } from '../view.js';
import type { DeliveryOrder, OrderHost, OrderedMessage } from './delivery-order.js';
import { OrderLog } from './order-log.js';

export interface TotalOrderHost extends OrderHost {
  send(to: Destination, frame: Frame): void;
  drop(reason: DropReason, frame: Frame, detail: string): void;
}

export interface TotalOrderConfig {
  readonly nakIntervalMs: number;
  readonly maxRetransmitPerNak: number;
  /** Safe delivery: a record, like a payload, must be held by every member before it is delivered by. */
  readonly safe: boolean;
}

/** Records per order frame: 6 bytes each, well under any server's max_payload. */
const MAX_RECORDS_PER_FRAME = 4096;

/**
 * Total order by a fixed sequencer (DESIGN §5.2): the view's coordinator numbers the messages it
 * receives, in the order it receives them, and publishes the numbers in batched order records;
 * payloads travel once, from their origin. A member delivers the message numbered k once it
 * holds the payload, the record for k, and has delivered k-1. Lost records are NAKed to the
 * sequencer (or, during a flush, to the member the cut names as holding them).
 *
 * The flush (docs/design/group-protocol.md): a member reports how many records it holds and
 * delivers by none beyond that; the cut takes the most any voter holds. At the end every member
 * delivers, by those records, each message within the per-origin cut (a record naming a message
 * beyond it is skipped: only failed members held that message), then the messages no record
 * covers, by member rank and seq. Every member holds the same records and the same messages by
 * then, so all deliver the same sequence; what a member delivered earlier is a prefix of it.
 */
export class TotalOrder implements DeliveryOrder {
  readonly log = new OrderLog();
  /** Per origin, the messages received and not yet delivered, by seq. */
  private readonly waiting = new Map<MemberId, Map<number, OrderedMessage>>();
  private readonly rankOf: ReadonlyMap<MemberId, number>;
  /** The highest order number delivered (or skipped at the flush). */
  private delivered = 0;
  /** Deliver by no record beyond this one: what was reported to a proposal, then the cut's. */
  private cap = Number.POSITIVE_INFINITY;
  private assigning: boolean;
  private batch: OrderRecord[] = [];
  private batchFirst = 0;
  /** Per other member, the records it holds by its last digest. */
  private readonly reports = new Map<MemberId, number>();
  private cutOrdered: number | undefined;
  private holder: MemberId | undefined;
  private lastNakAt = Number.NEGATIVE_INFINITY;
  private finished = false;

  constructor(
    private readonly view: View,
    private readonly self: MemberId,
    private readonly config: TotalOrderConfig,
    private readonly host: TotalOrderHost,
  ) {
    this.rankOf = new Map(view.members.map((m, i) => [m, i]));
    for (const m of view.members) this.waiting.set(m, new Map());
    this.assigning = view.coordinator === self;
  }

  /** Records held contiguously, as reported to a proposal: never beyond what this member delivers by. */
  get ordered(): number {
    return Math.min(this.log.contiguous, this.cap);
  }

  /** Records held contiguously, for digests. */
  get held(): number {
    return this.log.contiguous;
  }

  receive(message: OrderedMessage): void {
    if (this.finished) return;
    this.waiting.get(message.origin)!.set(message.seq, message);
    if (this.assigning) this.assign(message);
    this.drain();
  }

  private assign(message: OrderedMessage): void {
    const order = this.log.contiguous + 1;
    this.log.add(order, { origin: message.origin, seq: message.seq });
    if (this.batch.length === 0) this.batchFirst = order;
    this.batch.push({ rank: this.rankOf.get(message.origin)!, seq: message.seq });
  }

  /** Records assigned and not published yet. */
  get batchPending(): boolean {
    return this.batch.length > 0;
  }

  /** Publishes the records assigned since the last call: one frame for many assignments. */
  publish(): void {
    if (this.batch.length === 0) return;
    for (let i = 0; i < this.batch.length; i += MAX_RECORDS_PER_FRAME) {
      this.host.send(
        { kind: 'group', channel: 'order' },
        this.orderFrame(this.batchFirst + i, this.batch.slice(i, i + MAX_RECORDS_PER_FRAME)),
      );
    }
    this.batch = [];
  }

  private orderFrame(first: number, records: readonly OrderRecord[]): OrderFrame {
    return { kind: 'order', group: this.view.group, sender: this.self, viewId: this.view.id, first, records };
  }

  onOrder(frame: OrderFrame, now: number): void {
    const members = this.view.members;
    const bad = frame.records.find((r) => r.rank >= members.length);
    if (bad !== undefined) {
      return this.host.drop('unexpected', frame, `order record names rank ${bad.rank} of a view of ${members.length}`);
    }
    let added = false;
    frame.records.forEach((r, i) => {
      if (this.log.add(frame.first + i, { origin: members[r.rank]!, seq: r.seq })) added = true;
    });
    if (!added) return this.host.drop('duplicate', frame, `order records ${frame.first}+${frame.records.length} held`);
    this.drain();
    if (this.log.lagging && now - this.lastNakAt >= this.config.nakIntervalMs) this.nak(now);
  }

  /** Retransmits held records a member lacks, as order frames of consecutive records. */
  onOrderNak(frame: OrderNakFrame): void {
    let budget = this.config.maxRetransmitPerNak;
    for (const [from, to] of frame.ranges) {
      let run: OrderRecord[] = [];
      let runFirst = from;
      const flush = () => {
        if (run.length > 0) this.host.send({ kind: 'node', node: frame.sender }, this.orderFrame(runFirst, run));
        run = [];
      };
      for (let g = from; g <= to && budget > 0; g++) {
        const a = this.log.get(g);
        if (a === undefined) {
          flush();
          continue;
        }
        if (run.length === 0) runFirst = g;
        run.push({ rank: this.rankOf.get(a.origin)!, seq: a.seq });
        budget--;
        if (run.length === MAX_RECORDS_PER_FRAME) flush();
      }
      flush();
    }
  }

  /** A member's digest: how many records it holds. Reveals lost tails, and stability of records. */
  onDigest(member: MemberId, ordered: number): void {
    this.reports.set(member, ordered);
    this.log.learn(ordered);
    let stable = Math.min(this.delivered, this.log.contiguous);
    for (const m of this.view.members) if (m !== this.self) stable = Math.min(stable, this.reports.get(m) ?? 0);
    this.log.release(stable);
    if (this.config.safe) this.drain();
  }

  tick(now: number): void {
    if (this.log.lagging && now - this.lastNakAt >= this.config.nakIntervalMs) this.nak(now);
  }

  private nak(now: number): void {
    const ranges = this.log.missing();
    if (ranges.length === 0) return;
    this.lastNakAt = now;
    const frame: OrderNakFrame = {
      kind: 'order-nak',
      group: this.view.group,
      sender: this.self,
      viewId: this.view.id,
      ranges,
    };
    const sequencer = this.view.coordinator;
    if (sequencer !== this.self) this.host.send({ kind: 'node', node: sequencer }, frame);
    const holder = this.holder;
    if (holder !== undefined && holder !== this.self && holder !== sequencer) {
      this.host.send({ kind: 'node', node: holder }, frame);
    }
  }

  stabilized(): void {
    if (!this.finished) this.drain();
  }

  stamp(): undefined {
    return undefined;
  }

  hold(): void {
    // What was assigned is reported, so it must be out first.
    this.publish();
    this.cap = Math.min(this.log.contiguous, this.cap);
    this.assigning = false;
  }

  /** The cut's records: fetch the missing ones from the holder, and deliver by them. */
  setCut(ordered: number, holder: MemberId | '', now: number): void {
    this.cutOrdered = ordered;
    this.holder = holder === '' ? undefined : holder;
    this.cap = ordered;
    this.log.learn(ordered);
    this.drain();
    if (this.log.lagging) this.nak(now);
  }

  reachedCut(): boolean {
    return this.cutOrdered !== undefined && this.log.contiguous >= this.cutOrdered;
  }

  /** The records of the latest cut (0 before any). */
  get cutRecords(): number {
    return this.cutOrdered ?? 0;
  }

  finish(cut: ReadonlyMap<MemberId, number>, ordered: number): void {
    if (this.finished) return;
    for (let g = this.delivered + 1; g <= ordered; g++) {
      const a = this.log.get(g)!;
      const message = a.seq <= (cut.get(a.origin) ?? 0) ? this.waiting.get(a.origin)!.get(a.seq) : undefined;
      if (message !== undefined) this.deliverMessage(message);
      this.delivered = g;
    }
    for (const member of this.view.members) {
      const rest = [...this.waiting.get(member)!.values()].filter((m) => m.seq <= (cut.get(member) ?? 0));
      rest.sort((a, b) => a.seq - b.seq);
      for (const message of rest) this.deliverMessage(message);
    }
    this.finished = true;
    this.waiting.clear();
  }

  private drain(): void {
    const limit = Math.min(this.log.contiguous, this.cap);
    while (this.delivered < limit) {
      const g = this.delivered + 1;
      const a = this.log.get(g)!;
      const message = this.waiting.get(a.origin)!.get(a.seq);
      if (message === undefined) return;
      if (this.config.safe && !(this.recordStable(g) && this.host.isStable(a.origin, a.seq))) return;
      this.delivered = g;
      this.deliverMessage(message);
    }
  }

  private recordStable(order: number): boolean {
    for (const m of this.view.members) if (m !== this.self && (this.reports.get(m) ?? 0) < order) return false;
    return true;
  }

  private deliverMessage(message: OrderedMessage): void {
    this.waiting.get(message.origin)?.delete(message.seq);
    this.host.deliver(message);
  }
}
