import type { MeshFrame } from '../../wire/frame.js';
import type { MemberId, View } from '../view.js';

export type MeshInput =
  | { readonly kind: 'start'; readonly now: number }
  | { readonly kind: 'tick'; readonly now: number }
  | { readonly kind: 'frame'; readonly frame: MeshFrame; readonly now: number }
  | { readonly kind: 'leave'; readonly now: number }
  /** The node's own connection to the bus went down or came back. */
  | { readonly kind: 'bus'; readonly up: boolean; readonly now: number };

/** Published to every node of the namespace (`mesh.<channel>`), or unicast to one node. */
export type MeshDestination =
  | { readonly kind: 'mesh'; readonly channel: 'hb' | 'join' | 'ctl' | 'beacon' }
  | { readonly kind: 'node'; readonly node: MemberId };

export const MeshStatus = {
  joining: 'joining',
  member: 'member',
  blocked: 'blocked',
  /** Removed from the primary view while alive (minority side, or woke up after a pause): rejoin as a new incarnation. */
  removed: 'removed',
  left: 'left',
} as const;
export type MeshStatus = (typeof MeshStatus)[keyof typeof MeshStatus];

export type MeshOutput =
  | { readonly kind: 'send'; readonly to: MeshDestination; readonly frame: MeshFrame }
  | { readonly kind: 'install'; readonly view: View }
  | { readonly kind: 'status'; readonly status: MeshStatus }
  | { readonly kind: 'suspect'; readonly member: MemberId; readonly unreachable: boolean }
  /** Another mesh of the namespace, rooted at `into`, is senior: this node leaves its own to join it. */
  | { readonly kind: 'merging'; readonly into: MemberId; readonly size: number; readonly ownSize: number }
  | { readonly kind: 'drop'; readonly frame: MeshFrame; readonly detail: string };
