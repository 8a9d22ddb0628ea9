import type { MeshStatus } from '../protocol/mesh/mesh-messages.js';
import type { GroupStatus } from '../protocol/messages.js';
import type { MemberId, View } from '../protocol/view.js';
import type { GroupCounters, GroupLoad } from './node-observer.js';
import type { DeliveryMode, Ordering } from './options.js';

/** One group as `node.status()` reports it. */
export interface GroupStatusReport {
  readonly name: string;
  readonly status: GroupStatus;
  readonly ordering: Ordering;
  readonly delivery: DeliveryMode;
  /** Undefined until the first view is installed. */
  readonly view: View | undefined;
  readonly counters: GroupCounters;
  readonly load: GroupLoad;
}

/**
 * A node's state in one plain, JSON-serializable object: what the status protocol answers
 * (docs/design/observability.md) and what a health or admin endpoint can show.
 */
export interface NodeStatusReport {
  readonly id: MemberId;
  readonly name: string;
  readonly namespace: string;
  /** When this node started, ms since the epoch. */
  readonly startedAt: number;
  readonly mesh: { readonly status: MeshStatus; readonly view: View | undefined };
  readonly groups: readonly GroupStatusReport[];
  readonly drops: Record<string, number>;
}
