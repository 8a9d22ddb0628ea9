import type { CutEntry, DataFrame, DigestFrame, NakFrame, OrderFrame, OrderNakFrame, SeqEntry } from '../wire/frame.js';
import type { GroupOrdering, GroupProtocolConfig } from './config.js';
import { DigestSchedule } from './digest-schedule.js';
import { FifoReceiver } from './fifo-receiver.js';
import type { DropReason, GroupOutput } from './messages.js';
import { CausalOrder } from './ordering/causal-order.js';
import type { DeliveryOrder, OrderHost, OrderedMessage } from './ordering/delivery-order.js';
import { FifoOrder } from './ordering/fifo-order.js';
import { TotalOrder } from './ordering/total-order.js';
import { SendWindow } from './send-window.js';
import type { MemberId, View } from './view.js';
import { isMember } from './view.js';

export interface OutgoingMulticast {
  readonly requestId: number;
  readonly payload: Uint8Array;
  readonly type: string | undefined;
  /** When multicast() was called: a view change may hold it back at most flushTimeoutMs. */
  readonly queuedAt: number;
}

/**
 * Reliable FIFO multicast within one view (DESIGN §5.1): own seqs, the sender window kept until
 * stable, per-origin receivers that never skip a gap, NAKs, and stability digests. What each
 * origin's stream yields goes to the view's delivery order (fifo, causal or total; agreed or
 * safe), which decides when it is delivered. A new channel starts with every view; the flush
 * decides what of the old one is delivered (`setCut`, then `finish`).
 * Frames reaching it were admitted by the machine: current view, sender a member.
 */
/** What a member holds until it is stable (ViewChannel.backlog). */
export interface Backlog {
  readonly own: number;
  readonly ownBytes: number;
  readonly others: number;
}

export class ViewChannel {
  private nextSeq = 1;
  private readonly window: SendWindow;
  private readonly receivers = new Map<MemberId, FifoReceiver>();
  private readonly digests = new Map<MemberId, ReadonlyMap<MemberId, number>>();
  private readonly digestSchedule: DigestSchedule;
  /** Per origin, how far delivery may go: the cut, or what was held when this member answered a proposal. */
  private limit: ReadonlyMap<MemberId, number> | undefined;
  private cut: ReadonlyMap<MemberId, number> | undefined;
  /** Per origin, a member that holds everything up to the cut. */
  private holders: ReadonlyMap<MemberId, MemberId> = new Map();
  /** Per origin, the pieces of a split multicast delivered so far. */
  private readonly pieces = new Map<MemberId, Uint8Array[]>();
  private readonly order: DeliveryOrder;
  /** Safe delivery: the cut this member reached, delivered at the install. */
  private reached: { readonly cut: ReadonlyMap<MemberId, number>; readonly ordered: number } | undefined;
  private readonly total: TotalOrder | undefined;
  /** Own multicasts sent and not yet delivered here, by seq: their requests are still pending. */
  private readonly unacknowledged = new Map<number, number>();

  constructor(
    readonly view: View,
    private readonly self: MemberId,
    private readonly config: GroupProtocolConfig,
    private readonly ordering: GroupOrdering,
    private readonly emit: (output: GroupOutput) => void,
  ) {
    this.window = new SendWindow(config.windowMessages, config.windowBytes);
    this.digestSchedule = new DigestSchedule(config, ordering.delivery === 'safe');
    for (const m of view.members) if (m !== self) this.receivers.set(m, new FifoReceiver(config.windowMessages));
    const safe = ordering.delivery === 'safe';
    const host: OrderHost = {
      deliver: (message) => this.deliver(message),
      isStable: safe ? (origin, seq) => this.isStable(origin, seq) : () => true,
    };
    if (ordering.ordering === 'total') {
      this.total = new TotalOrder(
        view,
        self,
        { ...config, safe },
        {
          ...host,
          send: (to, frame) => emit({ kind: 'send', to, frame }),
          drop: (reason, frame, detail) => emit({ kind: 'drop', reason, frame, detail }),
        },
      );
      this.order = this.total;
    } else {
      this.order = ordering.ordering === 'causal' ? new CausalOrder(view, host) : new FifoOrder(view, host);
    }
  }

  /** The last seq this member sent in the view. */
  get sent(): number {
    return this.nextSeq - 1;
  }

  /**
   * Messages this member holds until they are stable: its own unstable multicasts (and their
   * payload bytes), and other members' it delivered or holds early.
   */
  backlog(): Backlog {
    let others = 0;
    for (const r of this.receivers.values()) others += r.retainedCount + r.bufferedCount;
    return { own: this.window.size, ownBytes: this.window.unstableBytes, others };
  }

  hasRoom(size: number): boolean {
    return this.window.hasRoom(size, this.piecesOf(size));
  }

  /** Frames a payload of `size` bytes takes: one, or one per piece of at most maxPayloadBytes. */
  private piecesOf(size: number): number {
    return Math.max(1, Math.ceil(size / this.config.maxPayloadBytes));
  }

  /**
   * Publishes one multicast and hands it to the delivery order, which delivers it here (and
   * acknowledges it) at once under fifo or causal agreed delivery, once ordered under total, once
   * stable under safe. A payload larger than one frame goes out as pieces with consecutive seqs;
   * its seq is that of the last piece, with which receivers deliver it whole.
   */
  send(req: OutgoingMulticast): void {
    const count = this.piecesOf(req.payload.length);
    const size = this.config.maxPayloadBytes;
    const clock = this.order.stamp();
    let last: DataFrame | undefined;
    for (let index = 0; index < count; index++) {
      const frame: { -readonly [K in keyof DataFrame]: DataFrame[K] } = {
        kind: 'data',
        group: this.view.group,
        sender: this.self,
        viewId: this.view.id,
        origin: this.self,
        seq: this.nextSeq++,
        retransmit: false,
        type: req.type,
        payload: count === 1 ? req.payload : req.payload.subarray(index * size, (index + 1) * size),
      };
      if (count > 1) frame.fragment = { index, count };
      if (clock !== undefined && index === count - 1) frame.clock = clock;
      this.window.add(frame);
      this.emit({ kind: 'send', to: { kind: 'group', channel: 'data' }, frame });
      last = frame;
    }
    const seq = last!.seq;
    this.emit({ kind: 'sent', requestId: req.requestId, viewId: this.view.id, seq });
    this.digestSchedule.changed();
    const { requestId, type, payload } = req;
    this.unacknowledged.set(seq, requestId);
    this.order.receive({ origin: this.self, seq, type, payload, clock, requestId });
  }

  private deliver(message: OrderedMessage): void {
    const { group, id } = this.view;
    const { origin, seq, type, payload } = message;
    this.emit({ kind: 'deliver', delivery: { group, origin, seq, viewId: id, type, payload } });
    if (message.requestId !== undefined) {
      this.unacknowledged.delete(seq);
      this.emit({ kind: 'acknowledged', requestId: message.requestId, viewId: id, seq });
    }
  }

  private received(frame: DataFrame, payload: Uint8Array): void {
    const { origin, seq, type, clock } = frame;
    this.order.receive({ origin, seq, type, payload, clock, requestId: undefined });
  }

  /**
   * Delivers a frame in FIFO order: whole, or, for a piece, once its last piece is here (pieces
   * of one multicast are consecutive seqs of one origin, so nothing else comes in between). The
   * pieces of a multicast cut short by a view change are never delivered, at any member.
   */
  private deliverFrame(frame: DataFrame): void {
    const piece = frame.fragment;
    if (piece === undefined) return this.received(frame, frame.payload);
    const parts = this.pieces.get(frame.origin) ?? [];
    if (piece.index !== parts.length) {
      // Only a faulty sender splits out of order: drop what was gathered.
      this.pieces.delete(frame.origin);
      return this.dropData(frame, 'unexpected', `piece ${piece.index} of ${piece.count} after ${parts.length} pieces`);
    }
    parts.push(frame.payload);
    if (piece.index < piece.count - 1) return void this.pieces.set(frame.origin, parts);
    this.pieces.delete(frame.origin);
    const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      whole.set(p, at);
      at += p.length;
    }
    this.received(frame, whole);
  }

  onData(frame: DataFrame, now: number): void {
    if (!frame.retransmit && frame.sender !== frame.origin) {
      return this.dropData(frame, 'forged-origin', `${frame.sender} published data of ${frame.origin}`);
    }
    if (this.ordering.ordering === 'causal' && this.lacksClock(frame)) {
      return this.dropData(frame, 'unexpected', `a multicast of ${frame.origin} without a vector clock of the view`);
    }
    // One receiver per other member: the map also says whether the origin belongs to the view.
    const receiver = this.receivers.get(frame.origin);
    if (receiver === undefined) {
      if (frame.origin === this.self) return this.dropData(frame, 'duplicate', 'own message retransmitted back');
      return this.dropData(frame, 'unknown-origin', `${frame.origin} is not in view ${this.view.id}`);
    }
    switch (receiver.accept(frame)) {
      case 'duplicate':
        return this.dropData(frame, 'duplicate', `seq ${frame.seq} of ${frame.origin} already held`);
      case 'outside-window':
        return this.dropData(
          frame,
          'seq-outside-window',
          `seq ${frame.seq} of ${frame.origin} beyond ${receiver.delivered} + window`,
        );
      case 'in-order':
        this.drain(frame.origin, receiver);
        break;
      case 'buffered':
        if (now - receiver.lastNakAt >= this.config.nakIntervalMs) this.nak(frame.origin, receiver, now);
        break;
    }
    this.digestSchedule.changed();
  }

  /** Causal order needs a clock on every multicast's last frame, one entry per member. */
  private lacksClock(frame: DataFrame): boolean {
    const last = frame.fragment === undefined || frame.fragment.index === frame.fragment.count - 1;
    return last && frame.clock?.length !== this.view.members.length;
  }

  private dropData(frame: DataFrame, reason: DropReason, detail: string): void {
    this.emit({ kind: 'drop', reason, frame, detail });
  }

  private drain(origin: MemberId, receiver: FifoReceiver): void {
    const limit = this.limit?.get(origin) ?? Number.POSITIVE_INFINITY;
    for (const frame of receiver.drain(limit)) this.deliverFrame(frame);
  }

  private nak(origin: MemberId, receiver: FifoReceiver, now: number): void {
    const ranges = receiver.missing();
    if (ranges.length === 0) return;
    receiver.lastNakAt = now;
    const frame: NakFrame = {
      kind: 'nak',
      group: this.view.group,
      sender: this.self,
      viewId: this.view.id,
      origin,
      ranges,
    };
    this.emit({ kind: 'send', to: { kind: 'node', node: origin }, frame });
    // The origin may have failed: ask the member the cut names as holding its messages too.
    const holder = this.holders.get(origin);
    if (holder !== undefined && holder !== origin && holder !== this.self) {
      this.emit({ kind: 'send', to: { kind: 'node', node: holder }, frame });
    }
  }

  /** Answers a NAK from the sender window, or from the unstable messages of another origin this member holds. */
  onNak(frame: NakFrame): void {
    const receiver = frame.origin === this.self ? undefined : this.receivers.get(frame.origin);
    if (frame.origin !== this.self && receiver === undefined) {
      return this.emit({ kind: 'drop', reason: 'not-holder', frame, detail: `${frame.origin} is not in the view` });
    }
    let budget = this.config.maxRetransmitPerNak;
    for (const [from, to] of frame.ranges) {
      for (let seq = from; seq <= to && budget > 0; seq++, budget--) {
        const kept = receiver === undefined ? this.window.get(seq) : receiver.get(seq);
        if (kept !== undefined) {
          const copy: DataFrame = { ...kept, sender: this.self, retransmit: true };
          this.emit({ kind: 'send', to: { kind: 'node', node: frame.sender }, frame: copy });
        }
      }
    }
  }

  /** Records a member's digest, NAKs what it reveals missing; true if the window gained room. */
  onDigest(frame: DigestFrame, now: number): boolean {
    const entries = new Map<MemberId, number>();
    for (const { member, seq } of frame.entries) {
      if (!isMember(this.view, member)) continue;
      entries.set(member, seq);
      const receiver = this.receivers.get(member);
      if (receiver === undefined) continue;
      receiver.learn(seq);
      if (receiver.lagging && now - receiver.lastNakAt >= this.config.nakIntervalMs) this.nak(member, receiver, now);
    }
    this.digests.set(frame.sender, entries);
    for (const [origin, receiver] of this.receivers) receiver.release(this.stableOf(origin, receiver.delivered));
    this.total?.onDigest(frame.sender, frame.ordered);
    if (this.ordering.delivery === 'safe') this.order.stabilized();
    return this.stabilize();
  }

  /** Safe delivery: every member of the view holds origin's messages up to seq. */
  private isStable(origin: MemberId, seq: number): boolean {
    const own = origin === this.self ? this.sent : (this.receivers.get(origin)?.delivered ?? 0);
    return seq <= this.stableOf(origin, own);
  }

  onOrder(frame: OrderFrame, now: number): void {
    if (this.total === undefined)
      return this.emit({
        kind: 'drop',
        reason: 'unexpected',
        frame,
        detail: 'order records in a group without total order',
      });
    this.total.onOrder(frame, now);
    this.digestSchedule.changed();
  }

  onOrderNak(frame: OrderNakFrame): void {
    if (this.total === undefined)
      return this.emit({
        kind: 'drop',
        reason: 'unexpected',
        frame,
        detail: 'order NAK in a group without total order',
      });
    this.total.onOrderNak(frame);
  }

  /** The end of a protocol step, or of a burst of them (batchOrderRecords): the sequencer publishes the records it assigned. */
  endStep(): void {
    this.total?.publish();
  }

  /** The end of a burst of inputs: the records, and under safe delivery the digest (burstDigestMs). */
  endBatch(now: number, open: boolean): void {
    this.total?.publish();
    if (this.digestSchedule.atBurstEnd(now, open)) this.sendDigest(now);
  }

  /** Something waits for the end of the burst: order records, or a safe-delivery digest. */
  get batchPending(): boolean {
    return this.digestSchedule.burstPending || (this.total?.batchPending ?? false);
  }

  /** A safe-delivery digest skipped as too soon: an end-batch `burstDigestMs` later sends it. */
  get digestOwed(): boolean {
    return this.digestSchedule.digestOwed;
  }

  /** Order records held contiguously, as reported to a proposal (0 without total order). */
  get ordered(): number {
    return this.total?.ordered ?? 0;
  }

  /** Highest seq of `origin` that every member holds, by the digests so far. */
  private stableOf(origin: MemberId, own: number): number {
    let stable = own;
    for (const member of this.view.members) {
      if (member !== this.self) stable = Math.min(stable, this.digests.get(member)?.get(origin) ?? 0);
    }
    return stable;
  }

  /** Releases own messages every member holds; true if the window gained room. */
  stabilize(): boolean {
    return this.window.release(this.stableOf(this.self, this.sent));
  }

  /** Re-NAKs open gaps and sends the digest when due. */
  tick(now: number): void {
    for (const [origin, receiver] of this.receivers) {
      if (receiver.lagging && now - receiver.lastNakAt >= this.config.nakIntervalMs) this.nak(origin, receiver, now);
    }
    this.total?.tick(now);
    if (this.digestSchedule.atTick(now)) this.sendDigest(now);
  }

  private sendDigest(now: number): void {
    this.digestSchedule.sent(now);
    if (this.view.members.length === 1) return;
    const frame: DigestFrame = {
      kind: 'digest',
      group: this.view.group,
      sender: this.self,
      viewId: this.view.id,
      entries: this.holdings(),
      ordered: this.total?.held ?? 0,
    };
    this.emit({ kind: 'send', to: { kind: 'group', channel: 'ctl' }, frame });
  }

  /** Per origin, what this member holds contiguously (its own: what it sent). */
  holdings(): SeqEntry[] {
    return this.view.members.map((member) => ({
      member,
      seq: member === this.self ? this.sent : (this.receivers.get(member)?.delivered ?? 0),
    }));
  }

  /**
   * Answering a proposal: deliver nothing beyond what this member reports holding until the cut
   * arrives. Messages of a failed origin can still trickle in, and the cut, computed from the
   * reports, might not include them; delivering one here would make this member's set differ.
   */
  hold(): void {
    // A cut of an earlier proposal is void: its holders may be gone, and the next cut may be lower.
    this.cut = undefined;
    this.limit = new Map(this.holdings().map((e) => [e.member, e.seq]));
    this.order.hold();
  }

  /** The flush's cut: deliver exactly up to it, fetching what is missing from the origin or a holder. */
  setCut(entries: readonly CutEntry[], ordered: number, orderHolder: MemberId | '', now: number): void {
    const cut = new Map(entries.map((e) => [e.member, e.seq]));
    this.cut = cut;
    this.limit = cut;
    this.holders = new Map(entries.map((e) => [e.member, e.holder]));
    for (const [origin, receiver] of this.receivers) {
      receiver.learn(cut.get(origin) ?? 0);
      this.drain(origin, receiver);
      if (receiver.lagging) this.nak(origin, receiver, now);
    }
    this.total?.setCut(ordered, orderHolder, now);
  }

  /** True once every message and order record up to the cut is here: then `finish` delivers the rest. */
  reachedCut(): boolean {
    const cut = this.cut;
    if (cut === undefined) return false;
    for (const [origin, receiver] of this.receivers) if (receiver.delivered < (cut.get(origin) ?? 0)) return false;
    return this.total?.reachedCut() ?? true;
  }

  /** Requests of own multicasts sent in this view that were not delivered here (nor will be). */
  unacknowledgedRequests(): number[] {
    return [...this.unacknowledged.values()];
  }

  /**
   * The view ends with nobody else left in it (every other member failed or is leaving too):
   * this member's holdings are the cut, so it delivers what it can of them, its own multicasts
   * included, without waiting for anyone.
   */
  finishAlone(now: number): void {
    this.hold();
    this.setCut(
      this.holdings().map((e) => ({ ...e, holder: this.self })),
      this.total?.held ?? 0,
      '',
      now,
    );
    this.order.finish(this.cut!, this.total?.held ?? 0);
  }

  /**
   * Everything up to the cut is here: deliver what the view's order still allows of it, and
   * nothing more in this view. Under safe delivery, or total order, not yet: a member that
   * delivers here and then fails may be the last to hold a message if the flush is superseded by
   * one with fewer voters and a lower cut; at the install every voter holds the cut, so it is
   * delivered then (`complete`). For safe delivery that keeps it uniform; for total order it keeps
   * an acknowledgement meaning that the survivors deliver the message (DESIGN §3.12; simulator
   * F24: a sender acknowledged a message at the cut, failed, and the survivors cut lower).
   */
  finish(): void {
    const reached = { cut: this.cut!, ordered: this.total?.cutRecords ?? 0 };
    if (this.ordering.delivery === 'safe' || this.ordering.ordering === 'total') this.reached = reached;
    else this.order.finish(reached.cut, reached.ordered);
  }

  /** The view ends with an install whose flush this member completed: safe delivery's remainder goes now. */
  complete(): void {
    const reached = this.reached;
    this.reached = undefined;
    if (reached !== undefined) this.order.finish(reached.cut, reached.ordered);
  }
}
