import type { Delivery, Group, GroupStatus, MulticastOptions, MulticastReceipt, View } from '@cohort/nats';
import { GroupClosedError } from '@cohort/nats';
import type { Observable } from 'rxjs';
import { ReplaySubject, filter, firstValueFrom, switchMap, take } from 'rxjs';

/**
 * The injectable stand-in for a group handle. Providers receive it at construction, before the
 * module joins the group at bootstrap; once bound, it forwards to the real handle. Streams
 * subscribed before the join start with the first view.
 */
export class GroupRef<T> implements Group<T> {
  private readonly bound = new ReplaySubject<Group<T>>(1);
  private target: Group<T> | undefined;
  private handled: () => Promise<void> = () => Promise.resolve();

  readonly views$: Observable<View> = this.bound.pipe(switchMap((g) => g.views$));
  readonly messages$: Observable<Delivery<T>> = this.bound.pipe(switchMap((g) => g.messages$));
  readonly status$: Observable<GroupStatus> = this.bound.pipe(switchMap((g) => g.status$));
  readonly errors$: Observable<Error> = this.bound.pipe(switchMap((g) => g.errors$));

  constructor(readonly name: string) {}

  /** `handled` resolves once the handlers ran for everything delivered so far. */
  bind(group: Group<T>, handled?: () => Promise<void>): void {
    this.target = group;
    if (handled !== undefined) this.handled = handled;
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

  stream(type: string): Observable<Delivery<T>> {
    return this.messages$.pipe(filter((d) => d.type === type));
  }

  /**
   * Resolves once the message is delivered locally and this process's `@OnMessage` handlers
   * have run for it (so state they maintain already reflects it). Before the join completes,
   * waits for it.
   */
  async multicast(payload: T, options?: MulticastOptions): Promise<MulticastReceipt> {
    const group = this.target ?? (await firstValueFrom(this.bound.pipe(take(1))));
    const receipt = await group.multicast(payload, options);
    await this.handled();
    return receipt;
  }

  async leave(): Promise<void> {
    if (this.target !== undefined) await this.target.leave();
  }
}
