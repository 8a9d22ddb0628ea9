import type { Logger } from '@nestjs/common';
import type { Delivery, Group, GroupState, View } from '@cohort/nats';
import type { Observable, Subscription } from 'rxjs';
import { Subject } from 'rxjs';
import type { RegisteredGroup } from './cohort.registry.js';
import { HandlerError, HandlerFailuresExceededError, HandlerKind } from './errors.js';
import type { DeliveryContext } from './interfaces.js';
import { SerialQueue } from './serial-queue.js';

/**
 * The handler queue of one group: views, deliveries and the state hooks of the group's providers
 * run through one promise chain, in the order the protocol reported them, one at a time; an async
 * handler is awaited before the next item. Taking the snapshot in this chain (rather than when the
 * protocol asks for it) is what makes it the state after exactly the previous view's deliveries.
 */
export class GroupDispatcher {
  private readonly queue = new SerialQueue();
  private readonly errorsSubject = new Subject<Error>();
  private readonly subscriptions: Subscription[] = [];
  private consecutiveFailures = 0;
  /** Set once the failure policy made this member leave: its handlers no longer run. */
  private abandoned = false;
  private group: Group<unknown> | undefined;

  /** Handler failures, and the policy's decision to leave. */
  readonly errors$: Observable<Error> = this.errorsSubject.asObservable();

  constructor(
    private readonly entry: RegisteredGroup,
    private readonly logger: Logger,
    /** Leave after this many failures in a row; undefined: never. */
    private readonly maxConsecutiveFailures: number | undefined,
  ) {}

  /** Subscribes to the group's streams; called before the join starts, so nothing is missed. */
  attach(group: Group<unknown>): void {
    this.group = group;
    this.subscriptions.push(
      group.views$.subscribe((view) => this.enqueue(() => this.onView(view))),
      group.messages$.subscribe((delivery) => this.enqueue(() => this.onMessage(delivery))),
    );
  }

  /** The join's state option, if the group's providers declared `@OnStateRequest` and `@OnStateTransfer`. */
  state(): GroupState | undefined {
    const { stateRequest, stateTransfer } = this.entry;
    if (stateRequest === undefined || stateTransfer === undefined) return undefined;
    return {
      snapshot: () => this.enqueue(() => this.stateHook(HandlerKind.stateRequest, stateRequest.where, stateRequest.fn)),
      restore: async (state) => {
        await this.enqueue(() =>
          this.stateHook(HandlerKind.stateTransfer, stateTransfer.where, () => stateTransfer.fn(state)),
        );
      },
      ...(this.entry.options.stateCodec === undefined ? {} : { codec: this.entry.options.stateCodec }),
    };
  }

  /** Resolves once the handlers ran for everything queued so far. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  close(): void {
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.errorsSubject.complete();
  }

  private enqueue<R>(work: () => Promise<R>): Promise<R> {
    return this.queue.enqueue(work);
  }

  private async onView(view: View): Promise<void> {
    for (const h of this.entry.viewHandlers) {
      if (this.abandoned) return;
      await this.invoke(h.where, HandlerKind.view, () => h.fn(view), { viewId: view.id });
    }
  }

  private async onMessage(d: Delivery<unknown>): Promise<void> {
    const ctx: DeliveryContext = {
      group: d.group,
      sender: d.sender,
      viewId: d.viewId,
      seq: d.seq,
      ...(d.type === undefined ? {} : { type: d.type }),
    };
    for (const h of this.entry.messageHandlers) {
      if (this.abandoned) return;
      if (h.type !== undefined && h.type !== d.type) continue;
      await this.invoke(h.where, HandlerKind.message, () => h.fn(d.payload, ctx), {
        viewId: d.viewId,
        member: d.sender,
        seq: d.seq,
      });
    }
  }

  /** A throwing handler is logged and reported; it does not break the order or end the membership by itself. */
  private async invoke(
    where: string,
    kind: HandlerKind,
    call: () => unknown,
    at: { viewId: number; member?: string; seq?: number },
  ): Promise<void> {
    try {
      await call();
      this.consecutiveFailures = 0;
    } catch (cause) {
      const error = new HandlerError(where, kind, { group: this.entry.name, ...at, cause });
      this.logger.error(`${error.message}${cause instanceof Error && cause.stack ? `\n${cause.stack}` : ''}`);
      this.errorsSubject.next(error);
      this.failed(error, at.viewId);
    }
  }

  /**
   * The state hooks' failures count against the policy, but are reported by the group itself
   * (as the failed snapshot or restore of a view), so they are rethrown rather than reported twice.
   */
  private async stateHook(kind: HandlerKind, where: string, call: () => unknown): Promise<unknown> {
    try {
      const value = await call();
      this.consecutiveFailures = 0;
      return value;
    } catch (cause) {
      const error = new HandlerError(where, kind, { group: this.entry.name, cause });
      this.failed(error, this.group?.status === 'joining' ? undefined : this.group?.view.id);
      throw error;
    }
  }

  private failed(cause: HandlerError, viewId: number | undefined): void {
    this.consecutiveFailures++;
    const max = this.maxConsecutiveFailures;
    if (max === undefined || this.consecutiveFailures < max || this.abandoned) return;
    this.abandoned = true;
    const error = new HandlerFailuresExceededError(this.consecutiveFailures, {
      group: this.entry.name,
      ...(viewId === undefined ? {} : { viewId }),
      cause,
    });
    this.logger.error(error.message);
    this.errorsSubject.next(error);
    this.group
      ?.leave()
      .catch((e: unknown) => this.logger.error(`leaving group ${this.entry.name} failed: ${String(e)}`));
  }
}
