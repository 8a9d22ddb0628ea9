import { Injectable } from '@nestjs/common';
import type { View } from '@cohort/nats';
import type { DeliveryContext, GroupMemberOptions } from './interfaces.js';
import { GroupRef } from './group-ref.js';

export type MessageHandler = (payload: unknown, ctx: DeliveryContext) => unknown;
export type ViewHandler = (view: View) => unknown;
export type StateRequestHandler = () => unknown;
export type StateTransferHandler = (state: unknown) => unknown;

export interface BoundHandler<F> {
  readonly fn: F;
  /** `Class.method`, for logs and errors. */
  readonly where: string;
}

export interface RegisteredGroup {
  readonly name: string;
  options: GroupMemberOptions;
  /** Provider classes that declared membership, for error messages. */
  readonly members: string[];
  readonly messageHandlers: Array<{
    readonly type: string | undefined;
    readonly fn: MessageHandler;
    readonly where: string;
  }>;
  readonly viewHandlers: Array<BoundHandler<ViewHandler>>;
  /** At most one of each per group, and both or neither (checked by the explorer). */
  stateRequest: BoundHandler<StateRequestHandler> | undefined;
  stateTransfer: BoundHandler<StateTransferHandler> | undefined;
}

/** What the explorer found and the orchestrator runs: groups, their handlers and handles. */
@Injectable()
export class CohortRegistry {
  private readonly groups = new Map<string, RegisteredGroup>();
  private readonly refs = new Map<string, GroupRef<unknown>>();

  ref(name: string): GroupRef<unknown> {
    let ref = this.refs.get(name);
    if (ref === undefined) {
      ref = new GroupRef(name);
      this.refs.set(name, ref);
    }
    return ref;
  }

  group(name: string): RegisteredGroup | undefined {
    return this.groups.get(name);
  }

  ensure(name: string): RegisteredGroup {
    let g = this.groups.get(name);
    if (g === undefined) {
      g = {
        name,
        options: {},
        members: [],
        messageHandlers: [],
        viewHandlers: [],
        stateRequest: undefined,
        stateTransfer: undefined,
      };
      this.groups.set(name, g);
    }
    return g;
  }

  all(): RegisteredGroup[] {
    return [...this.groups.values()];
  }
}
