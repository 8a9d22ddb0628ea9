import type { Ballot, InstallFrame } from '../wire/frame.js';
import type { DropReason } from './messages.js';
import type { MemberId, View } from './view.js';
import { isMember } from './view.js';

/** What an install frame asks of this member. */
export type InstallVerdict =
  | { readonly kind: 'drop'; readonly reason: DropReason; readonly detail: string }
  /** This member skipped a view: ask the sender for the one after `view`, and drop this one. */
  | { readonly kind: 'gap'; readonly detail: string }
  /** Installed already (maybe followed by later views): confirm it again, to a leaving coordinator that resends it. */
  | { readonly kind: 'confirm' }
  /** A joiner's first view. */
  | { readonly kind: 'first' }
  /** The view after this member's current one; `leaves`: it is not in it. */
  | { readonly kind: 'next'; readonly leaves: boolean };

export interface InstallContext {
  readonly self: MemberId;
  /** Undefined while joining. */
  readonly view: View | undefined;
  readonly departed: ReadonlySet<MemberId>;
  /** This member delivered up to the cut of that proposal. */
  readonly accepted: (ballot: Ballot, viewId: number) => boolean;
}

/**
 * Whether an install may be applied here, and how: the rules of docs/design/group-membership.md
 * that keep every member on one sequence of views, each installed only after its flush.
 */
export function checkInstall(frame: InstallFrame, ctx: InstallContext): InstallVerdict {
  const next = frame.view;
  const { self, view } = ctx;
  if (view === undefined) {
    if (!isMember(next, self)) return drop('not-member', 'install of a view without this node');
    // Sent by a node the mesh removed, that does not know it yet (it woke up from a pause): a
    // view it made lives on nowhere but there. Keep asking; a live coordinator answers. (Removed
    // members in a view sent by a live one are fine, even its coordinator when a successor
    // finished its change: the next view change flushes them out.)
    if (ctx.departed.has(frame.sender)) return drop('stale-view', `install by ${frame.sender}, whom the mesh removed`);
    if (frame.viewId !== next.id - 1) return drop('unexpected', 'install frame and view ids disagree');
    return { kind: 'first' };
  }
  if (next.id <= view.id) {
    if (isMember(next, self)) return { kind: 'confirm' };
    return drop('stale-view', `view ${next.id} is not newer than ${view.id}`);
  }
  if (next.id > view.id + 1) return { kind: 'gap', detail: `install of view ${next.id} while in view ${view.id}` };
  if (frame.sender !== self && !isMember(view, frame.sender) && !isMember(next, frame.sender)) {
    return drop('not-coordinator', `${frame.sender} may not install views`);
  }
  if (!ctx.accepted(frame.ballot, next.id)) {
    return drop('unexpected', `install of view ${next.id} before its flush completed here`);
  }
  return { kind: 'next', leaves: !isMember(next, self) };
}

function drop(reason: DropReason, detail: string): InstallVerdict {
  return { kind: 'drop', reason, detail };
}
