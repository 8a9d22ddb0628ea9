import type { MemberId, View } from './view.js';

/** Departures a group remembers, oldest forgotten first (the node remembers as many). */
const MAX_REMEMBERED_DEPARTURES = 10_000;

/**
 * Nodes the mesh removed, as one group remembers them: members among them are failed and get no
 * vote. They are kept even when not in the current view: a later view, proposed by a coordinator
 * that had not heard of the departure yet, may list one again (simulator seed 390), and its flush
 * must not wait for it. Ids never come back (a rejoining node is a new incarnation).
 */
export class Departures extends Set<MemberId> {
  /** Forgets the oldest beyond the bound, except members of `view`. */
  trim(view: View): void {
    if (this.size <= MAX_REMEMBERED_DEPARTURES) return;
    for (const m of [...this].slice(0, this.size - MAX_REMEMBERED_DEPARTURES)) {
      if (!view.members.includes(m)) this.delete(m);
    }
  }
}
