import type { StateChunkFrame, StateRequestFrame } from '../wire/frame.js';
import type { MemberId } from './view.js';

/** Chunks sent ahead of the joiner's acknowledgement: enough to keep a link busy, bounded in memory. */
export const STATE_WINDOW_CHUNKS = 8;

/**
 * The provider's side of one state transfer (DESIGN §5.5): the snapshot taken at the install of
 * `viewId`, cut into chunks that fit a frame, streamed to each joiner of that view as it asks
 * (`state-req` names the first chunk it lacks; a repeated request means chunks were lost, and
 * they are sent again). It lives until this member installs another view.
 */
export class StateProvider {
  private readonly chunks: Uint8Array[] = [];
  /** Per joiner: chunks sent so far, and the first chunk it last asked for. */
  private readonly progress = new Map<MemberId, { sentUpTo: number; asked: number }>();

  constructor(
    readonly group: string,
    readonly self: MemberId,
    readonly viewId: number,
    readonly joiners: ReadonlySet<MemberId>,
    state: Uint8Array,
    chunkBytes: number,
  ) {
    for (let at = 0; at < state.length || this.chunks.length === 0; at += chunkBytes) {
      this.chunks.push(state.subarray(at, at + chunkBytes));
    }
  }

  /** The chunks to send in answer to a joiner's request; empty if it is not a joiner of this view. */
  onRequest(frame: StateRequestFrame): StateChunkFrame[] {
    if (!this.joiners.has(frame.sender) || frame.next >= this.chunks.length) return [];
    const p = this.progress.get(frame.sender) ?? { sentUpTo: 0, asked: -1 };
    // Asked again for the same chunk: what was sent after it is lost too.
    const from = frame.next === p.asked ? frame.next : Math.max(frame.next, p.sentUpTo);
    const to = Math.min(this.chunks.length, frame.next + STATE_WINDOW_CHUNKS);
    this.progress.set(frame.sender, { sentUpTo: Math.max(p.sentUpTo, to), asked: frame.next });
    const out: StateChunkFrame[] = [];
    for (let index = from; index < to; index++) {
      out.push({
        kind: 'state',
        group: this.group,
        sender: this.self,
        viewId: this.viewId,
        index,
        count: this.chunks.length,
        bytes: this.chunks[index]!,
      });
    }
    return out;
  }
}
