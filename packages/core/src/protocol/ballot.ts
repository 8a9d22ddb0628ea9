import type { Ballot } from '../wire/frame.js';

export const ZERO_BALLOT: Ballot = { n: 0, node: '' };

/** Total order of ballots: by round number, then by node id. */
export function compareBallots(a: Ballot, b: Ballot): number {
  if (a.n !== b.n) return a.n - b.n;
  return a.node < b.node ? -1 : a.node > b.node ? 1 : 0;
}

export function maxBallot(a: Ballot, b: Ballot): Ballot {
  return compareBallots(a, b) >= 0 ? a : b;
}
