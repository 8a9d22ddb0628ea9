import type { Frame, StateChunkFrame, StateRequestFrame } from '../wire/frame.js';
import type { Destination, GroupOutput } from './messages.js';
import { StateProvider } from './state-provider.js';
import { StateReceiver } from './state-receiver.js';
import type { MemberId, View } from './view.js';

export interface StateTransferPort {
  readonly group: string;
  readonly self: MemberId;
  /** Largest chunk of state in one frame. */
  readonly chunkBytes: number;
  /** Ask again for a chunk after this long without progress. */
  readonly retryMs: number;
  send(to: Destination, frame: Frame): void;
}

/**
 * State transfer (DESIGN §5.5, docs/design/state-transfer.md). The provider of a view with
 * joiners is its oldest member that holds the state (neither a joiner of it nor a member still
 * awaiting state, which the install lists in `stateFor`); at the install, before anything of
 * the view is delivered, it asks the application for a snapshot (`snapshot` output), which is
 * therefore exactly the state after the previous view's messages, and streams it to the members
 * the install names as needing it: the joiners, and members whose earlier transfer failed (they
 * say so in their flush-ok).
 * A joiner shows the application nothing of the group (views, deliveries, status) until it holds
 * the state: then it reports the view the state belongs to, the state (`restore`), and what it
 * held back of that view. If the provider fails, the next view's provider sends a snapshot that
 * includes what the joiner held back, which is discarded. A member still waiting for state in a
 * view where nobody holds it gives up (every member that held the group's state is gone) and
 * goes on from its own initial state.
 */
export class StateTransfer {
  /** True until this member holds the group's state: it joined an existing group and got none yet. */
  awaiting = false;
  private held: GroupOutput[] = [];
  /** Held outputs the application may now see, ahead of the current step's. */
  private released: GroupOutput[] = [];
  /** The member left while awaiting state: what the current step would show is dropped too. */
  private discarding = false;
  /**
   * It told a flush it awaits state: the next view's provider is chosen on that, so a transfer
   * finishing here before the install must not count (simulator seed 3471).
   */
  private reported = false;
  /** It gave up waiting at the install of this view: what the current step shows before that install is dropped. */
  private gaveUpAt: number | undefined;
  private provider: StateProvider | undefined;
  private pendingSnapshot: { viewId: number; joiners: ReadonlySet<MemberId> } | undefined;
  private receiver: StateReceiver | undefined;

  constructor(private readonly port: StateTransferPort) {}

  /**
   * Called at every install, right after its install output and before anything of the view is
   * delivered. `joining`: this member's first view of a group that existed before it.
   */
  installed(view: View, stateFor: readonly MemberId[], joining: boolean, now: number): GroupOutput | undefined {
    this.reported = false;
    this.provider = undefined;
    this.pendingSnapshot = undefined;
    this.receiver = undefined;
    if (joining) this.awaiting = true;
    // The oldest member that holds the state: neither a joiner nor one still awaiting it.
    const provider = view.members.find((m) => !view.joined.includes(m) && !stateFor.includes(m));
    if (this.awaiting && (provider === undefined || provider === this.port.self)) {
      // Nobody holds the state any more: this member goes on from its own initial state, from
      // this view on. What it held back of earlier views is dropped with the state those views
      // were built on (shown, it would make this member look like one that had the state).
      this.awaiting = false;
      this.held = [];
      this.gaveUpAt = view.id;
    }
    if (this.awaiting) {
      this.receiver = new StateReceiver(view.id, provider!, now);
      this.ask(this.receiver);
      return undefined;
    }
    const joiners = new Set(stateFor.filter((m) => m !== this.port.self));
    if (provider !== this.port.self || joiners.size === 0) return undefined;
    this.pendingSnapshot = { viewId: view.id, joiners };
    return { kind: 'snapshot', viewId: view.id };
  }

  /** The application's snapshot for the view whose install asked for it. */
  onSnapshot(viewId: number, state: Uint8Array): void {
    const pending = this.pendingSnapshot;
    if (pending === undefined || pending.viewId !== viewId) return;
    this.pendingSnapshot = undefined;
    this.provider = new StateProvider(
      this.port.group,
      this.port.self,
      viewId,
      pending.joiners,
      state,
      this.port.chunkBytes,
    );
  }

  /** A joiner's request; false if this member provides no state for that view. */
  onRequest(frame: StateRequestFrame): boolean {
    // The application's snapshot may come later than the install: the joiner asks again.
    const pending = this.pendingSnapshot;
    if (pending?.viewId === frame.viewId && pending.joiners.has(frame.sender)) return true;
    const provider = this.provider;
    if (provider === undefined || provider.viewId !== frame.viewId) return false;
    for (const chunk of provider.onRequest(frame)) this.port.send({ kind: 'node', node: frame.sender }, chunk);
    return true;
  }

  /** For a flush-ok: whether this member awaits state; if it does, it keeps awaiting until the next install. */
  reportAwaiting(): boolean {
    if (this.awaiting) this.reported = true;
    return this.awaiting;
  }

  /** A chunk for this joiner; false if it belongs to no transfer under way here. */
  onChunk(frame: StateChunkFrame, now: number): boolean {
    if (this.reported) return true;
    const receiver = this.receiver;
    if (receiver === undefined || receiver.viewId !== frame.viewId || receiver.provider !== frame.sender) return false;
    if (!receiver.onChunk(frame, now)) return true;
    if (!receiver.complete) {
      this.ask(receiver);
      return true;
    }
    this.receiver = undefined;
    this.awaiting = false;
    this.released = this.release(receiver.viewId, receiver.assemble());
    return true;
  }

  tick(now: number): void {
    const receiver = this.receiver;
    if (receiver === undefined || now - receiver.lastProgressAt < this.port.retryMs) return;
    receiver.lastProgressAt = now;
    this.ask(receiver);
  }

  /** While this member awaits state, what the application would see is held back. */
  gate(outputs: GroupOutput[]): GroupOutput[] {
    if (this.discarding) {
      this.discarding = false;
      return outputs.filter((o) => !HELD.has(o.kind) || (o.kind === 'status' && o.status === 'left'));
    }
    if (this.gaveUpAt !== undefined) {
      const viewId = this.gaveUpAt;
      this.gaveUpAt = undefined;
      const at = outputs.findIndex((o) => o.kind === 'install' && o.view.id === viewId);
      return outputs.filter((o, i) => i >= at || !HELD.has(o.kind));
    }
    if (!this.awaiting) return this.released.length === 0 ? outputs : [...this.released.splice(0), ...outputs];
    return outputs.filter((o) => {
      if (!HELD.has(o.kind) || (o.kind === 'status' && o.status === 'left')) return true;
      this.held.push(o);
      return false;
    });
  }

  /** Drops what was held back, e.g. when the member leaves before any state arrived. */
  reset(): void {
    if (this.awaiting) this.discarding = true;
    this.held = [];
    this.released = [];
    this.awaiting = false;
    this.receiver = undefined;
    this.provider = undefined;
    this.pendingSnapshot = undefined;
  }

  /** The view's install, the state, then what was held back from that view on; earlier views are in the state. */
  private release(viewId: number, state: Uint8Array): GroupOutput[] {
    const held = this.held.splice(0);
    const at = held.findIndex((o) => o.kind === 'install' && o.view.id === viewId);
    if (at < 0) return [];
    return [held[at]!, { kind: 'restore', viewId, state }, ...held.slice(at + 1)];
  }

  private ask(receiver: StateReceiver): void {
    this.port.send(
      { kind: 'node', node: receiver.provider },
      {
        kind: 'state-req',
        group: this.port.group,
        sender: this.port.self,
        viewId: receiver.viewId,
        next: receiver.next,
      },
    );
  }
}

const HELD: ReadonlySet<GroupOutput['kind']> = new Set(['install', 'deliver', 'acknowledged', 'status']);
