import type { Delivery, Group, GroupStatus, MulticastOptions, MulticastReceipt, View } from '@cohort/nats';
import { GroupClosedError } from '@cohort/nats';
import { ofType } from '@cohort/nats';
import type { Observable } from 'rxjs';
import { ReplaySubject, concat, defer, distinctUntilChanged, firstValueFrom, merge, of, switchMap, take } from 'rxjs';

/** What the module's handler queue of the group tells the handle. */
export interface HandlerQueue {
  /** Resolves once the handlers ran for everything delivered so far. */
  idle(): Promise<void>;
  /** Handler failures, and the failure policy's decision to leave. */
  readonly errors$: Observable<Error>;
}

/**
 * The injectable stand-in for a group handle. Providers receive it at construction, before the
 * module joins the group at bootstrap; once bound, it forwards to the real handle. Streams
 * subscribed before the join start with the first view.
 */
export class GroupRef<T> implements Group<T> {
  private readonly bound = new ReplaySubject<Group<T>>(1);
  private target: Group<T> | undefined;
  private queue: HandlerQueue | undefined;

  readonly views$: Observable<View> = this.bound.pipe(switchMap((g) => g.views$));
  readonly messages$: Observable<Delivery<T>> = this.bound.pipe(switchMap((g) => g.messages$));
  /** Replays the current status: `joining` until the group is joined, then the group's. */
  readonly status$: Observable<GroupStatus> = defer(() =>
    this.target === undefined
      ? concat(of<GroupStatus>('joining'), this.bound.pipe(switchMap((g) => g.status$)))
      : this.target.status$,
  ).pipe(distinctUntilChanged());
  /** The group's own errors and those of this process's handlers for it. */
  readonly errors$: Observable<Error> = this.bound.pipe(
    switchMap((g) => (this.queue === undefined ? g.errors$ : merge(g.errors$, this.queue.errors$))),
  );

  constructor(readonly name: string) {}

  bind(group: Group<T>, queue?: HandlerQueue): void {
    this.target = group;
    this.queue = queue;
    this.bound.next(group);
    this.bound.complete();
  }

  get joined(): boolean {
    return this.target !== undefined;
  }

  private get group(): Group<T> {
    if (this.target === undefined) {
      throw new GroupClosedError({
        group: this.name,
        reason: 'not joined yet: groups are joined at application bootstrap',
      });
    }
    return this.target;
  }

  get ordering() {
    return this.group.ordering;
  }

  get delivery() {
    return this.group.delivery;
  }

  get view(): View {
    return this.group.view;
  }

  get status(): GroupStatus {
    return this.target?.status ?? 'joining';
  }

  get flushStats(): Group<T>['flushStats'] {
    return this.group.flushStats;
  }

  stream<U extends T = T>(type: string): Observable<Delivery<U>> {
    return this.messages$.pipe(ofType<U, T>(type));
  }

  /**
   * Resolves once the message is delivered locally and this process's `@OnMessage` handlers
   * have run for it (so state they maintain already reflects it). Before the join completes,
   * waits for it.
   */
  async multicast(payload: T, options?: MulticastOptions): Promise<MulticastReceipt> {
    const group = this.target ?? (await firstValueFrom(this.bound.pipe(take(1))));
    const receipt = await group.multicast(payload, options);
    await this.queue?.idle();
    return receipt;
  }

  async leave(): Promise<void> {
    if (this.target !== undefined) await this.target.leave();
  }
}
