import type { Frame, GroupSettings } from '../wire/frame.js';
import type { MemberId, View } from './view.js';

/** Where an outbound frame goes: published to the group, or unicast to one node. */
export type Destination =
  | { readonly kind: 'group'; readonly channel: 'data' | 'order' | 'ctl' | 'join' }
  | { readonly kind: 'node'; readonly node: MemberId };

export type GroupInput =
  | { readonly kind: 'start'; readonly now: number }
  | { readonly kind: 'tick'; readonly now: number }
  | { readonly kind: 'frame'; readonly frame: Frame; readonly now: number }
  | {
      readonly kind: 'multicast';
      readonly requestId: number;
      readonly payload: Uint8Array;
      readonly type: string | undefined;
      readonly now: number;
    }
  | { readonly kind: 'leave'; readonly now: number }
  /** The node leaves the mesh while this group is still joining: give up at once. */
  | { readonly kind: 'abandon'; readonly now: number }
  /** The root's directory granted this joiner the creation of the group: form its first view. */
  | { readonly kind: 'create'; readonly now: number }
  /** These nodes were removed from the mesh (crashed, cut off or gone): members among them failed. */
  | { readonly kind: 'departed'; readonly members: readonly MemberId[]; readonly now: number }
  /** The node's current mesh view: only its nodes are admitted as joiners. */
  | { readonly kind: 'mesh-view'; readonly members: readonly MemberId[]; readonly now: number }
  /** The node's mesh lost (or regained) a majority: stop (or resume) delivering and sending. */
  | { readonly kind: 'blocked'; readonly blocked: boolean; readonly now: number }
  /** This node was removed from the mesh: its membership is over for good. */
  | { readonly kind: 'evicted'; readonly now: number }
  /** The application's snapshot, answering a `snapshot` output. */
  | { readonly kind: 'state'; readonly viewId: number; readonly state: Uint8Array; readonly now: number }
  /** The runtime handled a burst of inputs: publish what was batched (`batchOrderRecords`). */
  | { readonly kind: 'end-batch'; readonly now: number };

/** A delivered multicast, before the user codec decodes its payload. */
export interface RawDelivery {
  readonly group: string;
  readonly origin: MemberId;
  readonly seq: number;
  readonly viewId: number;
  readonly type: string | undefined;
  readonly payload: Uint8Array;
}

export const GroupStatus = {
  joining: 'joining',
  member: 'member',
  flushing: 'flushing',
  blocked: 'blocked',
  left: 'left',
} as const;
export type GroupStatus = (typeof GroupStatus)[keyof typeof GroupStatus];

/** Why an inbound frame was dropped; counted per reason by the runtime. */
export const DropReason = {
  notMember: 'not-member',
  staleView: 'stale-view',
  futureOverflow: 'future-overflow',
  unknownOrigin: 'unknown-origin',
  forgedOrigin: 'forged-origin',
  duplicate: 'duplicate',
  outsideWindow: 'seq-outside-window',
  notCoordinator: 'not-coordinator',
  unexpected: 'unexpected',
  notHolder: 'not-holder',
  left: 'left',
  blocked: 'blocked',
  staleBallot: 'stale-ballot',
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/**
 * Why a multicast was refused: the member left, the payload is too large, the mesh removed this
 * node, or a view change held it back longer than flushTimeoutMs.
 */
export type RejectReason = 'left' | 'too-large' | 'removed' | 'flush-timeout';

export type GroupOutput =
  | { readonly kind: 'send'; readonly to: Destination; readonly frame: Frame }
  | { readonly kind: 'install'; readonly view: View }
  | { readonly kind: 'deliver'; readonly delivery: RawDelivery }
  | { readonly kind: 'sent'; readonly requestId: number; readonly viewId: number; readonly seq: number }
  | { readonly kind: 'acknowledged'; readonly requestId: number; readonly viewId: number; readonly seq: number }
  | { readonly kind: 'rejected'; readonly requestId: number; readonly reason: RejectReason }
  | { readonly kind: 'status'; readonly status: GroupStatus }
  /** A view change ended here: sending was held back for `blockedMs` before view `viewId`. */
  | { readonly kind: 'flushed'; readonly viewId: number; readonly blockedMs: number }
  /**
   * This member provides the state to the joiners of view `viewId`: take the application's
   * snapshot now (after everything delivered so far, before anything of the view) and answer
   * with a `state` input.
   */
  | { readonly kind: 'snapshot'; readonly viewId: number }
  /** The group uses other settings than this joiner (`group`): it was not admitted, and is left. */
  | { readonly kind: 'refused'; readonly group: GroupSettings; readonly own: GroupSettings }
  /** A joiner received the group's state as of its first view `viewId`: apply it before any delivery. */
  | { readonly kind: 'restore'; readonly viewId: number; readonly state: Uint8Array }
  | { readonly kind: 'drop'; readonly reason: DropReason; readonly frame: Frame; readonly detail: string };
