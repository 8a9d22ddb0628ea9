import type { ConnectOptions, DeliveryMode, MemberId, Ordering, PayloadCodec } from '@cohort/nats';

/** Options of `CohortModule.forRoot()`: those of `connect()` from @cohort/nats. */
export type CohortModuleOptions = ConnectOptions;

/** Options of `@GroupMember(group, options)`. */
export interface GroupMemberOptions {
  ordering?: Ordering;
  delivery?: DeliveryMode;
  codec?: PayloadCodec<unknown>;
  /** Startup waits at most this long for the group's first view. */
  joinTimeoutMs?: number;
}

/** Second argument of an `@OnMessage` handler. */
export interface DeliveryContext {
  readonly group: string;
  readonly sender: MemberId;
  readonly viewId: number;
  readonly seq: number;
  readonly type?: string;
}

export interface GroupMemberMetadata {
  readonly group: string;
  readonly options: GroupMemberOptions;
}

export interface OnMessageMetadata {
  readonly group?: string;
  readonly type?: string;
}

export interface OnViewMetadata {
  readonly group?: string;
}
