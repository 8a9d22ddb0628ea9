import type { FlushOkFrame, SeqEntry } from '../wire/frame.js';
import type { MemberId, View } from './view.js';

/**
 * Coordinator side of one view change: collects every member's flush-ok, computes the cut,
 * then collects every member's cut-ok. Members of `view` (the one being left) take part;
 * joiners of `proposed` do not, since they delivered nothing in `view`.
 */
export class FlushRound {
  stage: 'collect' | 'cut' = 'collect';
  cut: readonly SeqEntry[] = [];
  private readonly flushOks = new Map<MemberId, FlushOkFrame>();
  private readonly cutOks = new Set<MemberId>();

  constructor(
    readonly view: View,
    readonly proposed: View,
    public lastSentAt: number,
  ) {}

  /** Members whose answer to the current stage is still missing. */
  waitingFor(): MemberId[] {
    return this.view.members.filter((m) => (this.stage === 'collect' ? !this.flushOks.has(m) : !this.cutOks.has(m)));
  }

  /** Records a flush-ok; returns true when it completed the collection and the cut is set. */
  recordFlushOk(frame: FlushOkFrame): boolean {
    if (this.stage !== 'collect' || !this.view.members.includes(frame.sender)) return false;
    this.flushOks.set(frame.sender, frame);
    if (this.waitingFor().length > 0) return false;
    this.cut = this.computeCut();
    this.stage = 'cut';
    return true;
  }

  /** Records a cut-ok; returns true when every member has delivered up to the cut. */
  recordCutOk(member: MemberId): boolean {
    if (this.stage !== 'cut' || !this.view.members.includes(member)) return false;
    this.cutOks.add(member);
    return this.waitingFor().length === 0;
  }

  /**
   * Per origin, the highest seq that any member holds (the origin's own `sent` included), so
   * that whatever one member may have delivered, every member delivers.
   */
  private computeCut(): SeqEntry[] {
    const highest = new Map<MemberId, number>();
    const raise = (member: MemberId, seq: number) => highest.set(member, Math.max(highest.get(member) ?? 0, seq));
    for (const ok of this.flushOks.values()) {
      raise(ok.sender, ok.sent);
      for (const e of ok.received) if (this.view.members.includes(e.member)) raise(e.member, e.seq);
    }
    return this.view.members.map((member) => ({ member, seq: highest.get(member) ?? 0 }));
  }
}
