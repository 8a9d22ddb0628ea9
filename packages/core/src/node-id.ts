import type { MemberId } from './protocol/view.js';

// A node's id is `<name>-<instance>`: the instance is 12 random hex digits, followed by `-<n>` from
// the second incarnation on. The name is the node's principal: the last token of every subject the
// node publishes on, which a NATS per-user publish permission can pin to one user
// (docs/design/security.md). The id itself cannot be: it is only known once the node starts.

const INSTANCE_BYTES = 6;
const INSTANCE = /^[0-9a-f]{12}$/;
// At most six digits, so that it can never be mistaken for the 12-digit instance before it:
// `a-0123456789ab-2` can only be the second incarnation of node `a`. (A node removed a million
// times would have an id no peer accepts.)
const INCARNATION = /^[1-9][0-9]{0,5}$/;

export function newNodeId(name: string, randomBytes: (n: number) => Uint8Array): MemberId {
  const instance = Array.from(randomBytes(INSTANCE_BYTES), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${name}-${instance}`;
}

/** The name a node id was made from, or undefined when `id` is not of that form. */
export function principalOf(id: MemberId): string | undefined {
  let rest = id;
  let dash = rest.lastIndexOf('-');
  if (dash > 0 && INCARNATION.test(rest.slice(dash + 1))) {
    rest = rest.slice(0, dash);
    dash = rest.lastIndexOf('-');
  }
  if (dash <= 0 || !INSTANCE.test(rest.slice(dash + 1))) return undefined;
  return rest.slice(0, dash);
}
