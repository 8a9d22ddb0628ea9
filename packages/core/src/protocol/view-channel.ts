import type { CutEntry, DataFrame, DigestFrame, NakFrame, SeqEntry } from '../wire/frame.js';
import type { GroupProtocolConfig } from './config.js';
import { FifoReceiver } from './fifo-receiver.js';
import type { DropReason, GroupOutput } from './messages.js';
import { SendWindow } from './send-window.js';
import type { MemberId, View } from './view.js';
import { isMember } from './view.js';

export interface OutgoingMulticast {
  readonly requestId: number;
  readonly payload: Uint8Array;
  readonly type: string | undefined;
}

/**
 * Reliable FIFO multicast within one view (DESIGN §5.1): own seqs, the sender window kept until
 * stable, per-origin receivers that never skip a gap, NAKs, and stability digests. A new channel
 * starts with every view; the flush decides what of the old one is delivered (`setCut`).
 * Frames reaching it were admitted by the machine: current view, sender a member.
 */
export class ViewChannel {
  private nextSeq = 1;
  private readonly window: SendWindow;
  private readonly receivers = new Map<MemberId, FifoReceiver>();
  private readonly digests = new Map<MemberId, ReadonlyMap<MemberId, number>>();
  private lastDigestAt = Number.NEGATIVE_INFINITY;
  private dirty = true;
  /** Per origin, how far delivery may go: the cut, or what was held when this member answered a proposal. */
  private limit: ReadonlyMap<MemberId, number> | undefined;
  private cut: ReadonlyMap<MemberId, number> | undefined;
  /** Per origin, a member that holds everything up to the cut. */
  private holders: ReadonlyMap<MemberId, MemberId> = new Map();
  /** Per origin, the pieces of a split multicast delivered so far. */
  private readonly pieces = new Map<MemberId, Uint8Array[]>();

  constructor(
    readonly view: View,
    private readonly self: MemberId,
    private readonly config: GroupProtocolConfig,
    private readonly emit: (output: GroupOutput) => void,
  ) {
    this.window = new SendWindow(config.windowMessages, config.windowBytes);
    for (const m of view.members) if (m !== self) this.receivers.set(m, new FifoReceiver(config.windowMessages));
  }

  /** The last seq this member sent in the view. */
  get sent(): number {
    return this.nextSeq - 1;
  }

  hasRoom(size: number): boolean {
    return this.window.hasRoom(size, this.piecesOf(size));
  }

  /** Frames a payload of `size` bytes takes: one, or one per piece of at most maxPayloadBytes. */
  private piecesOf(size: number): number {
    return Math.max(1, Math.ceil(size / this.config.maxPayloadBytes));
  }

  /**
   * Publishes one multicast and delivers it locally at once (FIFO agreed delivery): peers
   * deliver it in this view or, if none of them got it, the flush cut makes nobody deliver it.
   * A payload larger than one frame goes out as pieces with consecutive seqs; its seq is that of
   * the last piece, with which receivers deliver it whole.
   */
  send(req: OutgoingMulticast): void {
    const count = this.piecesOf(req.payload.length);
    const size = this.config.maxPayloadBytes;
    let last: DataFrame | undefined;
    for (let index = 0; index < count; index++) {
      const frame: DataFrame = {
        kind: 'data',
        group: this.view.group,
        sender: this.self,
        viewId: this.view.id,
        origin: this.self,
        seq: this.nextSeq++,
        retransmit: false,
        type: req.type,
        payload: count === 1 ? req.payload : req.payload.subarray(index * size, (index + 1) * size),
        ...(count === 1 ? {} : { fragment: { index, count } }),
      };
      this.window.add(frame);
      this.emit({ kind: 'send', to: { kind: 'group', channel: 'data' }, frame });
      last = frame;
    }
    const seq = last!.seq;
    this.emit({ kind: 'sent', requestId: req.requestId, viewId: this.view.id, seq });
    this.deliver(this.self, seq, req.type, req.payload);
    this.emit({ kind: 'acknowledged', requestId: req.requestId, viewId: this.view.id, seq });
    this.dirty = true;
  }

  private deliver(origin: MemberId, seq: number, type: string | undefined, payload: Uint8Array): void {
    const { group, id } = this.view;
    this.emit({ kind: 'deliver', delivery: { group, origin, seq, viewId: id, type, payload } });
  }

  /**
   * Delivers a frame in FIFO order: whole, or, for a piece, once its last piece is here (pieces
   * of one multicast are consecutive seqs of one origin, so nothing else comes in between). The
   * pieces of a multicast cut short by a view change are never delivered, at any member.
   */
  private deliverFrame(frame: DataFrame): void {
    const piece = frame.fragment;
    if (piece === undefined) return this.deliver(frame.origin, frame.seq, frame.type, frame.payload);
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
    this.deliver(frame.origin, frame.seq, frame.type, whole);
  }

  onData(frame: DataFrame, now: number): void {
    if (!frame.retransmit && frame.sender !== frame.origin) {
      return this.dropData(frame, 'forged-origin', `${frame.sender} published data of ${frame.origin}`);
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
    this.dirty = true;
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
    return this.stabilize();
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
    const since = now - this.lastDigestAt;
    if ((this.dirty && since >= this.config.digestIntervalMs) || since >= this.config.idleDigestIntervalMs) {
      this.lastDigestAt = now;
      this.dirty = false;
      if (this.view.members.length === 1) return;
      const frame: DigestFrame = {
        kind: 'digest',
        group: this.view.group,
        sender: this.self,
        viewId: this.view.id,
        entries: this.holdings(),
      };
      this.emit({ kind: 'send', to: { kind: 'group', channel: 'ctl' }, frame });
    }
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
  }

  /** The flush's cut: deliver exactly up to it, fetching what is missing from the origin or a holder. */
  setCut(entries: readonly CutEntry[], now: number): void {
    const cut = new Map(entries.map((e) => [e.member, e.seq]));
    this.cut = cut;
    this.limit = cut;
    this.holders = new Map(entries.map((e) => [e.member, e.holder]));
    for (const [origin, receiver] of this.receivers) {
      receiver.learn(cut.get(origin) ?? 0);
      this.drain(origin, receiver);
      if (receiver.lagging) this.nak(origin, receiver, now);
    }
  }

  reachedCut(): boolean {
    const cut = this.cut;
    if (cut === undefined) return false;
    for (const [origin, receiver] of this.receivers) if (receiver.delivered < (cut.get(origin) ?? 0)) return false;
    return true;
  }
}
