import type { Frame } from '../../wire/frame.js';
import type { GroupOrdering } from '../config.js';
import type { GroupOutput } from '../messages.js';
import type { MeshOutput } from '../mesh/mesh-messages.js';
import type { MemberId } from '../view.js';

/** Everything that happens to one node, as the runtime (or the simulator) feeds it in. */
export type NodeInput =
  /** Join the namespace's mesh. */
  | { readonly kind: 'start'; readonly now: number }
  | { readonly kind: 'tick'; readonly now: number }
  /** An inbound frame that passed the transport checks (decoded, sender = subject's last token). */
  | { readonly kind: 'frame'; readonly frame: Frame; readonly now: number }
  /** Start joining a group; the node asks the root's directory whether it exists. */
  | {
      readonly kind: 'join';
      readonly group: string;
      readonly ordering?: GroupOrdering;
      /** The application transfers state to joiners (DESIGN §5.5). */
      readonly state?: boolean;
      readonly now: number;
    }
  /** The application's snapshot for a group's `snapshot` output. */
  | {
      readonly kind: 'state';
      readonly group: string;
      readonly viewId: number;
      readonly state: Uint8Array;
      readonly now: number;
    }
  | {
      readonly kind: 'multicast';
      readonly group: string;
      readonly requestId: number;
      readonly payload: Uint8Array;
      readonly type: string | undefined;
      readonly now: number;
    }
  /** Leave one group through a view change. */
  | { readonly kind: 'leave'; readonly group: string; readonly now: number }
  /** Leave the mesh (the runtime leaves the groups first). */
  | { readonly kind: 'leave-mesh'; readonly now: number }
  /** The node's own connection to the bus went down or came back. */
  | { readonly kind: 'bus'; readonly up: boolean; readonly now: number }
  /** A burst of inputs was handled: every group publishes what it batched (`batchOrderRecords`). */
  | { readonly kind: 'end-batch'; readonly now: number };

/** Where a frame goes: a mesh channel, a group channel, or one node's inbox. */
export type NodeDestination =
  | { readonly kind: 'mesh'; readonly channel: 'hb' | 'join' | 'ctl' | 'beacon' }
  | { readonly kind: 'group'; readonly group: string; readonly channel: 'data' | 'order' | 'ctl' | 'join' }
  | { readonly kind: 'node'; readonly node: MemberId };

export type NodeOutput =
  | { readonly kind: 'send'; readonly to: NodeDestination; readonly frame: Frame }
  /** What the mesh machine reported (install, status, suspect, drop). */
  | { readonly kind: 'mesh'; readonly output: Exclude<MeshOutput, { kind: 'send' }> }
  /**
   * What one group's machine reported (install, deliver, sent, acknowledged, rejected, status,
   * drop). After its status 'left' the node forgets the group: a later join starts afresh.
   */
  | { readonly kind: 'group'; readonly group: string; readonly output: Exclude<GroupOutput, { kind: 'send' }> }
  /**
   * The primary mesh removed this node and it rejoins as a new incarnation under `id`: from now
   * on it publishes as `id` and its inbox is `id`'s. Emitted before anything the new incarnation sends.
   */
  | { readonly kind: 'incarnation'; readonly id: MemberId; readonly previous: MemberId }
  /** A frame the node itself refused (a group it has not joined, a directory frame out of place). */
  | { readonly kind: 'drop'; readonly reason: string; readonly frame: Frame; readonly detail: string };
