import type { MeshStatus } from '../protocol/mesh/mesh-messages.js';
import type { MemberId, View } from '../protocol/view.js';

/**
 * Why a view changed, by precedence when several apply: a member failed (the mesh removed it), a
 * member left, a member joined. `partition`: this node lost the majority of its mesh view (it is
 * blocked, or the primary removed it), which no view of its own records.
 */
export const ViewChangeCause = { join: 'join', leave: 'leave', failure: 'failure', partition: 'partition' } as const;
export type ViewChangeCause = (typeof ViewChangeCause)[keyof typeof ViewChangeCause];

/**
 * What a node did that an operator may need to see, as `node.events$` emits it and the logger
 * writes it (docs/design/observability.md). Per-message events are not among them: counters
 * (`node.counters()`) and metrics carry those.
 */
export type CohortEvent =
  | {
      readonly kind: 'mesh-view';
      readonly member: MemberId;
      readonly view: View;
      readonly cause: ViewChangeCause | undefined;
      /** Per failed node: from the last frame heard from it to this view, when it was heard at all. */
      readonly silenceMs: Readonly<Record<MemberId, number>>;
    }
  | { readonly kind: 'mesh-status'; readonly member: MemberId; readonly status: MeshStatus }
  | { readonly kind: 'suspect'; readonly member: MemberId; readonly suspect: MemberId; readonly unreachable: boolean }
  | {
      readonly kind: 'view';
      readonly group: string;
      readonly member: MemberId;
      readonly view: View;
      /** Undefined for this member's first view of the group. */
      readonly cause: ViewChangeCause | undefined;
    }
  /** A view change stopped this member's sending (the flush began). */
  | { readonly kind: 'flush-started'; readonly group: string; readonly member: MemberId; readonly viewId: number }
  /** The view change ended here: sending was held back for `blockedMs`. */
  | {
      readonly kind: 'flushed';
      readonly group: string;
      readonly member: MemberId;
      readonly viewId: number;
      readonly blockedMs: number;
    }
  /** This member gave the group's state to the joiners of `viewId`. */
  | {
      readonly kind: 'state-sent';
      readonly group: string;
      readonly member: MemberId;
      readonly viewId: number;
      readonly bytes: number;
    }
  /** This joiner received the state: `ms` from its first view to the state. */
  | {
      readonly kind: 'state-restored';
      readonly group: string;
      readonly member: MemberId;
      readonly viewId: number;
      readonly bytes: number;
      readonly ms: number;
    };

export type CohortEventKind = CohortEvent['kind'];

/** The cause of the change from `previous` to `view` (undefined for a first view). */
export function causeOf(view: View, previous: View | undefined): ViewChangeCause | undefined {
  if (previous === undefined) return undefined;
  if (view.failed.length > 0) return 'failure';
  if (view.left.length > 0) return 'leave';
  return 'join';
}
