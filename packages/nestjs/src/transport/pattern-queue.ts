import type { MessageHandler } from '@nestjs/microservices';
import type { Delivery, Group, GroupState, MemberId, View } from '@cohort/nats';
import { isObservable } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import { CohortContext } from './cohort.context.js';
import type { CohortContextArgs } from './cohort.context.js';
import { PatternHandlerError } from './errors.js';
import type { Outcome } from './own-results.js';
import { OwnResults } from './own-results.js';
import { SerialQueue } from '../serial-queue.js';

/** What the queue needs from its server. */
export interface QueueHost {
  /** The handler of a delivery of `type` in `group`, by the routing rule of docs/design/transport.md. */
  handlerFor(group: string, type: string | undefined): MessageHandler | undefined;
  /** This member's id now (it changes if the mesh removed the node and it rejoined). */
  readonly self: MemberId;
  /** A view, once the handlers of every delivery before it ran. */
  installed(view: View): void;
  /** A handler failed; the queue goes on. */
  failed(error: PatternHandlerError): void;
  /** A delivery no handler takes. */
  unhandled(delivery: Delivery<unknown>): void;
}

/**
 * The handler queue of one group at a CohortServer: views, deliveries, local reads and state
 * snapshots run through one promise chain, in the order the protocol reported them, one at a
 * time; an async handler (a promise, or an observable until it completes) is awaited before the
 * next item. A failing handler is reported and the chain goes on.
 */
export class PatternQueue {
  private readonly queue = new SerialQueue();
  private readonly subscriptions: Subscription[] = [];
  /** The results of this member's own deliveries, for the requests it answers. */
  readonly results: OwnResults;

  constructor(
    readonly group: string,
    private readonly host: QueueHost,
  ) {
    this.results = new OwnResults(group);
  }

  /** Subscribes before the join starts (join's `attach`), so the first view and every delivery are seen. */
  attach(group: Group<unknown>): void {
    this.subscriptions.push(
      group.views$.subscribe((view) => void this.enqueue(async () => this.host.installed(view))),
      group.messages$.subscribe((delivery) => void this.enqueue(() => this.deliver(delivery))),
    );
  }

  /**
   * The application's state hooks, with the snapshot taken in the queue: the protocol asks for it
   * after the previous view's last delivery, whose handlers may still be queued.
   */
  state(state: GroupState): GroupState {
    return {
      snapshot: () => this.enqueue(async () => state.snapshot()),
      restore: (value) => state.restore(value),
      ...(state.codec === undefined ? {} : { codec: state.codec }),
    };
  }

  /**
   * A `{ local: true }` read: runs in the queue, after the handlers of everything delivered here
   * so far, and only here.
   */
  local(handler: MessageHandler, data: unknown, pattern: string, view: View): Promise<Outcome> {
    return this.enqueue(() =>
      this.run(handler, data, {
        group: this.group,
        sender: this.host.self,
        viewId: view.id,
        seq: 0,
        type: pattern,
        origin: true,
        local: true,
      }),
    );
  }

  /** Resolves once the handlers ran for everything queued so far. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  close(reason: string): void {
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.results.close(reason);
  }

  private enqueue<R>(work: () => Promise<R>): Promise<R> {
    return this.queue.enqueue(work);
  }

  private async deliver(d: Delivery<unknown>): Promise<void> {
    const own = d.sender === this.host.self;
    const handler = this.host.handlerFor(d.group, d.type);
    if (handler === undefined) {
      this.host.unhandled(d);
      if (own) this.results.record(d, { values: [], err: { status: 'error', message: noHandler(d) } });
      return;
    }
    const outcome = await this.run(handler, d.payload, {
      group: d.group,
      sender: d.sender,
      viewId: d.viewId,
      seq: d.seq,
      type: d.type,
      origin: own,
      local: false,
    });
    if (own) this.results.record(d, outcome);
  }

  private async run(handler: MessageHandler, data: unknown, args: CohortContextArgs): Promise<Outcome> {
    const outcome = await outcomeOf(() => handler(data, new CohortContext([args])));
    if ('err' in outcome) {
      this.host.failed(
        new PatternHandlerError(args.seq, {
          group: args.group,
          ...(args.type === undefined ? {} : { pattern: args.type }),
          viewId: args.viewId,
          member: args.sender,
          cause: outcome.err,
        }),
      );
    }
    return outcome;
  }
}

function noHandler(d: Delivery<unknown>): string {
  return `no handler of group ${d.group} takes ${d.type === undefined ? 'untyped deliveries' : `'${d.type}'`}`;
}

/**
 * Runs a handler to its end: a value, a promise, or an observable until it completes or errors.
 * Nest's RPC proxy turns a throwing handler into an erroring observable (through the exception
 * filters); a handler registered without it may also throw or reject.
 */
async function outcomeOf(call: () => unknown): Promise<Outcome> {
  let result: unknown;
  try {
    result = await call();
  } catch (err) {
    return { values: [], err };
  }
  if (!isObservable(result)) return { values: [result] };
  const values: unknown[] = [];
  return new Promise<Outcome>((resolve) => {
    (result as Observable<unknown>).subscribe({
      next: (value) => values.push(value),
      error: (err: unknown) => resolve({ values, err }),
      complete: () => resolve({ values }),
    });
  });
}
