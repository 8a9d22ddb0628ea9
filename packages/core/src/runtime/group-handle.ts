import { BehaviorSubject, Observable, ReplaySubject, Subject } from 'rxjs';
import type { CohortError } from '../errors.js';
import {
  ConfigurationError,
  FlushTimeoutError,
  GroupClosedError,
  InvalidMessageTypeError,
  MemberRemovedError,
  PayloadTooLargeError,
} from '../errors.js';
import type { PayloadCodec } from '../payload-codec.js';
import type { GroupOutput, GroupStatus, RawDelivery } from '../protocol/messages.js';
import type { View } from '../protocol/view.js';
import { FanOut } from './fan-out.js';
import type { Delivery, Group, MulticastOptions, MulticastReceipt } from './group.js';
import type { DeliveryMode, GroupState, Ordering } from './options.js';
import { ofType } from './of-type.js';

const utf8 = new TextEncoder();

/**
 * A non-empty string of at most 255 UTF-8 bytes. A UTF-16 code unit takes at most 3 bytes, so
 * the usual short type needs no encoding: this runs for every multicast.
 */
function fitsStr8(type: unknown): boolean {
  if (typeof type !== 'string' || type.length === 0) return false;
  return type.length <= 85 || (type.length <= 255 && utf8.encode(type).length <= 255);
}

interface Pending {
  resolve(receipt: MulticastReceipt): void;
  reject(error: Error): void;
  readonly size: number;
}

/** What a handle needs from its node: submit inputs to its protocol machine. */
export interface GroupDriver {
  multicast(group: string, requestId: number, payload: Uint8Array, type: string | undefined): void;
  /** The application's snapshot for the joiners of view `viewId`. */
  state(group: string, viewId: number, state: Uint8Array): void;
  leave(group: string): void;
  readonly maxMessageBytes: number;
  readonly flushTimeoutMs: number;
}

/** The application's side of one group: RxJS streams fed by the protocol's outputs. */
export class GroupHandle<T> implements Group<T> {
  private readonly viewsSubject = new ReplaySubject<View>(1);
  private readonly messages = new FanOut<Delivery<T>>();
  /** Deliveries made before anyone subscribed to messages$, for its first subscriber. */
  private backlog: Delivery<T>[] | undefined = [];
  private readonly statusSubject = new BehaviorSubject<GroupStatus>('joining');
  private readonly errorsSubject = new Subject<Error>();
  private readonly pending = new Map<number, Pending>();
  private readonly leaveWaiters: Array<() => void> = [];
  private currentView: View | undefined;
  /** Why the join failed, if the group refused it. */
  private refusal: Error | undefined;
  private nextRequestId = 1;
  /** Outputs that arrived while an asynchronous restore ran: reported once it settles. */
  private held: GroupOutput[] | undefined;
  /** How long view changes held this member's sending back (DESIGN §5.4's blocking window). */
  readonly flushStats = new FlushStats();

  readonly views$: Observable<View> = this.viewsSubject.asObservable();
  readonly messages$: Observable<Delivery<T>> = new Observable<Delivery<T>>((subscriber) => {
    const held = this.backlog;
    this.backlog = undefined;
    for (const d of held ?? []) subscriber.next(d);
    return this.messages.add(subscriber);
  });
  readonly status$: Observable<GroupStatus> = this.statusSubject.asObservable();
  readonly errors$: Observable<Error> = this.errorsSubject.asObservable();

  constructor(
    readonly name: string,
    readonly ordering: Ordering,
    readonly delivery: DeliveryMode,
    private readonly codec: PayloadCodec<T>,
    private readonly driver: GroupDriver,
    private readonly onDecodeError: (error: Error) => void,
    private readonly backlogLimit = 100_000,
    private readonly state?: { readonly options: GroupState; readonly codec: PayloadCodec<unknown> },
  ) {}

  get view(): View {
    if (this.currentView === undefined)
      throw new GroupClosedError({ group: this.name, reason: 'no view installed yet' });
    return this.currentView;
  }

  get status(): GroupStatus {
    return this.statusSubject.value;
  }

  /** Resolves with the first view; rejects if the group is left before one is installed. */
  firstView(): Promise<View> {
    if (this.currentView !== undefined) return Promise.resolve(this.currentView);
    return new Promise((resolve, reject) => {
      const sub = this.viewsSubject.subscribe({
        next: (v) => {
          queueMicrotask(() => sub.unsubscribe());
          resolve(v);
        },
        complete: () =>
          reject(this.refusal ?? new GroupClosedError({ group: this.name, reason: 'left before the first view' })),
      });
    });
  }

  stream<U extends T = T>(type: string): Observable<Delivery<U>> {
    return this.messages$.pipe(ofType<U, T>(type));
  }

  multicast(payload: T, options: MulticastOptions = {}): Promise<MulticastReceipt> {
    if (this.status === 'left') return Promise.reject(new GroupClosedError({ group: this.name }));
    const type: unknown = options.type;
    if (type !== undefined && !fitsStr8(type)) {
      return Promise.reject(new InvalidMessageTypeError(type, { group: this.name }));
    }
    const bytes = this.codec.encode(payload);
    if (bytes.length > this.driver.maxMessageBytes) {
      return Promise.reject(new PayloadTooLargeError(bytes.length, this.driver.maxMessageBytes, { group: this.name }));
    }
    const requestId = this.nextRequestId++;
    return new Promise<MulticastReceipt>((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject, size: bytes.length });
      this.driver.multicast(this.name, requestId, bytes, options.type);
    });
  }

  leave(): Promise<void> {
    if (this.status === 'left') return Promise.resolve();
    const done = new Promise<void>((resolve) => this.leaveWaiters.push(resolve));
    this.driver.leave(this.name);
    return done;
  }

  /** Applies the outputs of the protocol that concern the application. */
  apply(output: GroupOutput): void {
    if (this.held !== undefined) {
      this.held.push(output);
      return;
    }
    switch (output.kind) {
      case 'install':
        this.currentView = output.view;
        this.viewsSubject.next(output.view);
        return;
      case 'deliver':
        return this.deliver(output.delivery);
      case 'acknowledged':
        this.pending.get(output.requestId)?.resolve({ viewId: output.viewId, seq: output.seq });
        this.pending.delete(output.requestId);
        return;
      case 'rejected': {
        const p = this.pending.get(output.requestId);
        this.pending.delete(output.requestId);
        if (p === undefined) return;
        if (output.reason === 'too-large')
          p.reject(new PayloadTooLargeError(p.size, this.driver.maxMessageBytes, { group: this.name }));
        else if (output.reason === 'removed')
          p.reject(new MemberRemovedError({ group: this.name, viewId: this.currentView?.id }));
        else if (output.reason === 'flush-timeout')
          p.reject(
            new FlushTimeoutError(this.driver.flushTimeoutMs, { group: this.name, viewId: this.currentView?.id }),
          );
        else
          p.reject(new GroupClosedError({ group: this.name, viewId: this.currentView?.id, reason: 'left the group' }));
        return;
      }
      case 'status':
        if (output.status === 'left') return this.close();
        this.statusSubject.next(output.status);
        return;
      case 'refused': {
        const show = (s: { ordering: string; delivery: string; state: boolean }) =>
          `${s.ordering}/${s.delivery}${s.state ? ' with state' : ' without state'}`;
        this.refusal = new ConfigurationError(
          'ordering',
          `group ${this.name} uses ${show(output.group)}, this member joined with ${show(output.own)}: every member of a group must pass the same ordering, delivery and state options`,
        );
        return;
      }
      case 'flushed':
        return this.flushStats.record(output.blockedMs);
      case 'snapshot':
        return this.snapshot(output.viewId);
      case 'restore':
        return this.restore(output.viewId, output.state);
      default:
        return;
    }
  }

  reportError(error: CohortError): void {
    this.errorsSubject.next(error);
  }

  /** Ends every stream; pending multicasts fail. */
  close(reason = 'left the group'): void {
    if (this.statusSubject.value === 'left') return;
    this.statusSubject.next('left');
    for (const [, p] of this.pending) p.reject(new GroupClosedError({ group: this.name, reason }));
    this.pending.clear();
    this.viewsSubject.complete();
    this.messages.complete();
    this.statusSubject.complete();
    this.errorsSubject.complete();
    for (const resolve of this.leaveWaiters.splice(0)) resolve();
  }

  /**
   * Runs between two deliveries, so the state is exactly that after the previous view (a
   * promise is awaited: the application took its snapshot at that point of its own queue). If the
   * snapshot fails, the joiners get no state from this member: they wait for the next view's
   * provider, and the error is reported here.
   */
  private snapshot(viewId: number): void {
    const state = this.state;
    if (state === undefined) return;
    const failed = (cause: unknown) =>
      this.fail(new Error(`group ${this.name}: snapshot for the joiners of view ${viewId} failed`, { cause }));
    const send = (value: unknown) => {
      let bytes: Uint8Array;
      try {
        bytes = state.codec.encode(value);
      } catch (cause) {
        return failed(cause);
      }
      if (this.status !== 'left') this.driver.state(this.name, viewId, bytes);
    };
    let value: unknown;
    try {
      value = state.options.snapshot();
    } catch (cause) {
      return failed(cause);
    }
    if (isPromiseLike(value)) Promise.resolve(value).then(send, failed);
    else send(value);
  }

  private restore(viewId: number, bytes: Uint8Array): void {
    if (this.state === undefined) return;
    const failed = (cause: unknown) =>
      this.fail(new Error(`group ${this.name}: restoring the state of view ${viewId} failed`, { cause }));
    let done: unknown;
    try {
      done = this.state.options.restore(this.state.codec.decode(bytes));
    } catch (cause) {
      return failed(cause);
    }
    if (!isPromiseLike(done)) return;
    const held: GroupOutput[] = [];
    this.held = held;
    const release = () => {
      this.held = undefined;
      for (const output of held) this.apply(output);
    };
    Promise.resolve(done).then(release, (cause: unknown) => {
      failed(cause);
      release();
    });
  }

  private fail(error: Error): void {
    this.onDecodeError(error);
    this.errorsSubject.next(error);
  }

  private deliver(raw: RawDelivery): void {
    let payload: T;
    try {
      payload = this.codec.decode(raw.payload);
    } catch (cause) {
      const error = new Error(
        `group ${this.name}: cannot decode the payload of ${raw.origin}#${raw.seq} in view ${raw.viewId}`,
        { cause },
      );
      this.onDecodeError(error);
      this.errorsSubject.next(error);
      return;
    }
    const delivery: { -readonly [K in keyof Delivery<T>]: Delivery<T>[K] } = {
      group: this.name,
      payload,
      sender: raw.origin,
      viewId: raw.viewId,
      seq: raw.seq,
    };
    if (raw.type !== undefined) delivery.type = raw.type;
    if (this.backlog !== undefined) {
      if (this.backlog.length >= this.backlogLimit) {
        const error = new Error(
          `group ${this.name}: nobody subscribed to messages$ and ${this.backlogLimit} deliveries are held; dropping the oldest (subscribe, or pass attach to join())`,
        );
        this.onDecodeError(error);
        this.errorsSubject.next(error);
        this.backlog.shift();
      }
      this.backlog.push(delivery);
      return;
    }
    this.messages.next(delivery);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** The blocking windows of a member's view changes: from stopping to send to the next install. */
export class FlushStats {
  count = 0;
  lastMs = 0;
  maxMs = 0;
  totalMs = 0;

  record(blockedMs: number): void {
    this.count++;
    this.lastMs = blockedMs;
    this.maxMs = Math.max(this.maxMs, blockedMs);
    this.totalMs += blockedMs;
  }
}
