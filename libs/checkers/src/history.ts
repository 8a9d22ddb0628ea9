// The recorded history model. Simulator and real-NATS tests both produce this shape, so the
// checkers never need to know which of the two ran the group.

export type MemberId = string;

export interface ViewRecord {
  group: string;
  id: number;
  members: readonly MemberId[];
  coordinator: MemberId;
  joined: readonly MemberId[];
  left: readonly MemberId[];
  failed: readonly MemberId[];
}

export type HistoryEvent =
  | { kind: 'install'; view: ViewRecord; at?: number }
  // viewId: the member's installed view when it multicast the message.
  | { kind: 'send'; msgId: string; viewId: number; at?: number }
  // multicast() resolved.
  | { kind: 'ack'; msgId: string; at?: number }
  | { kind: 'deliver'; msgId: string; sender: MemberId; viewId: number; at?: number }
  // Right after installing view viewId, the member applied a transferred state. The state is given
  // as the replicated log it encodes: the msgIds the provider had applied, in its application order
  // (the provider's own restored log, if any, then its deliveries).
  | { kind: 'restore'; viewId: number; log: readonly string[]; at?: number }
  // Minority side of a partition: the member stopped delivering until it installs another view.
  | { kind: 'blocked'; at?: number }
  | { kind: 'crash'; at?: number }
  | { kind: 'leave'; at?: number };

export type HistoryEventKind = HistoryEvent['kind'];

export type Ordering = 'fifo' | 'causal' | 'total';

export type DeliveryMode = 'agreed' | 'safe';

export interface MemberHistory {
  member: MemberId;
  group: string;
  ordering: Ordering;
  delivery: DeliveryMode;
  // In the member's local order. A crashed member's history may stop at the crash.
  events: HistoryEvent[];
}
