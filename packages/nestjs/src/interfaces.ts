import type { ConnectOptions, DeliveryMode, MemberId, Ordering, PayloadCodec } from '@cohort/nats';

/** What the module does about failing handlers; `@GroupMember` options override it per group. */
export interface HandlerFailurePolicy {
  /**
   * Leave the group after this many handler failures in a row (a success resets the count): a
   * member that cannot apply deliveries would diverge from the others, and leaving makes that
   * visible to them. Default: never leave; every failure is logged and reported on `errors$`.
   */
  maxConsecutiveHandlerFailures?: number;
}

/** Options of `CohortModule.forRoot()`: those of `connect()` from @cohort/nats, and the handler policy. */
export type CohortModuleOptions = ConnectOptions & HandlerFailurePolicy;

/** Options of `@GroupMember(group, options)`. */
export interface GroupMemberOptions extends HandlerFailurePolicy {
  ordering?: Ordering;
  delivery?: DeliveryMode;
  codec?: PayloadCodec<unknown>;
  /** How the `@OnStateRequest` state crosses the wire. Default JSON. */
  stateCodec?: PayloadCodec<unknown>;
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

export interface StateHandlerMetadata {
  readonly group?: string;
}
