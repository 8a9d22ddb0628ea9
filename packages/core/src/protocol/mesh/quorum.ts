import type { MemberId, View } from '../view.js';

/**
 * DESIGN §3.11: a change of `view` needs more than half of its members (those leaving gracefully
 * in the change not counted); with exactly half, the side holding the view's coordinator wins
 * (or, when the coordinator is leaving, the oldest remaining member).
 */
export function hasQuorum(view: View, participants: ReadonlySet<MemberId>, leaving: ReadonlySet<MemberId>): boolean {
  const base = view.members.filter((m) => !leaving.has(m));
  if (base.length === 0) return true;
  const present = base.filter((m) => participants.has(m)).length;
  if (2 * present > base.length) return true;
  if (2 * present < base.length) return false;
  const tieBreaker = leaving.has(view.coordinator) ? base[0]! : view.coordinator;
  return participants.has(tieBreaker);
}
