import { BaseRpcContext } from '@nestjs/microservices';
import type { MemberId } from '@cohort/nats';

/** What a transporter handler runs for: one delivery of a group, or a local read. */
export interface CohortContextArgs {
  readonly group: string;
  readonly sender: MemberId;
  readonly viewId: number;
  /** The sender's seq of the delivery in its view; 0 for a local read, which is no delivery. */
  readonly seq: number;
  readonly type: string | undefined;
  /** This member multicast it (for a local read: always, the read is answered here). */
  readonly origin: boolean;
  /** A `{ local: true }` request answered by this member alone, without a multicast. */
  readonly local: boolean;
}

/** The `@Ctx()` of CohortServer handlers. */
export class CohortContext extends BaseRpcContext<[CohortContextArgs]> {
  getGroup(): string {
    return this.args[0].group;
  }

  /** The member that multicast the delivery (the entry member, for packets sent by a CohortClient). */
  getSender(): MemberId {
    return this.args[0].sender;
  }

  getViewId(): number {
    return this.args[0].viewId;
  }

  getSeq(): number {
    return this.args[0].seq;
  }

  /** The delivery type, i.e. the pattern; undefined for untyped deliveries. */
  getType(): string | undefined {
    return this.args[0].type;
  }

  /** True at the member that multicast it: the member that answers a request. */
  isOrigin(): boolean {
    return this.args[0].origin;
  }

  /** True for a `@MessagePattern(p, { local: true })` read, which only this member runs. */
  isLocal(): boolean {
    return this.args[0].local;
  }
}
