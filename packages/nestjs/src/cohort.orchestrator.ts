import { Inject, Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { CohortNode, Delivery, Group, View } from '@cohort/nats';
import type { Subscription } from 'rxjs';
import { COHORT_NODE } from './constants.js';
import type { RegisteredGroup } from './cohort.registry.js';
import { CohortRegistry } from './cohort.registry.js';

type Work =
  { readonly kind: 'view'; readonly view: View } | { readonly kind: 'message'; readonly delivery: Delivery<unknown> };

/**
 * Joins the registered groups at application bootstrap (startup waits for every first view),
 * runs handlers in delivery order one at a time per group, and leaves gracefully before
 * shutdown over the module's own NATS connection.
 */
@Injectable()
export class CohortOrchestrator implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Cohort');
  private readonly subscriptions: Subscription[] = [];
  private readonly idle = new Map<string, Promise<void>>();

  constructor(
    @Inject(COHORT_NODE) private readonly node: CohortNode,
    private readonly registry: CohortRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(this.registry.all().map((g) => this.join(g)));
  }

  private async join(entry: RegisteredGroup): Promise<void> {
    const group = await this.node.join<unknown>(entry.name, {
      // Subscribe before the join starts: the first view and every delivery reach the handlers.
      attach: (handle) => this.route(entry, handle),
      ...(entry.options.ordering === undefined ? {} : { ordering: entry.options.ordering }),
      ...(entry.options.delivery === undefined ? {} : { delivery: entry.options.delivery }),
      ...(entry.options.codec === undefined ? {} : { codec: entry.options.codec }),
      ...(entry.options.joinTimeoutMs === undefined ? {} : { timeoutMs: entry.options.joinTimeoutMs }),
    });
    this.logger.log(
      `joined group ${entry.name} as ${this.node.id} in view ${group.view.id} (${group.view.members.length} members)`,
    );
    this.registry.ref(entry.name).bind(group, () => this.idle.get(entry.name) ?? Promise.resolve());
  }

  /** Views and deliveries go through one queue per group so handlers see them in order, one at a time. */
  private route(entry: RegisteredGroup, group: Group<unknown>): void {
    let chain = Promise.resolve();
    const enqueue = (work: Work) => {
      chain = chain.then(() => this.run(entry, work));
      this.idle.set(entry.name, chain);
    };
    this.subscriptions.push(group.views$.subscribe((view) => enqueue({ kind: 'view', view })));
    this.subscriptions.push(group.messages$.subscribe((delivery) => enqueue({ kind: 'message', delivery })));
  }

  private async run(entry: RegisteredGroup, work: Work): Promise<void> {
    if (work.kind === 'view') {
      for (const h of entry.viewHandlers) await this.invoke(h.where, () => h.fn(work.view));
      return;
    }
    const d = work.delivery;
    const ctx = {
      group: d.group,
      sender: d.sender,
      viewId: d.viewId,
      seq: d.seq,
      ...(d.type === undefined ? {} : { type: d.type }),
    };
    for (const h of entry.messageHandlers) {
      if (h.type !== undefined && h.type !== d.type) continue;
      await this.invoke(h.where, () => h.fn(d.payload, ctx));
    }
  }

  /** A throwing handler is logged; it does not break the order or end the membership. */
  private async invoke(where: string, call: () => unknown): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.logger.error(`handler ${where} failed: ${(error as Error)?.stack ?? String(error)}`);
    }
  }

  /** Leaves every group (survivors see `left`, not `failed`), then lets queued handlers finish. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.node.close();
    await Promise.allSettled(this.idle.values());
  }

  onApplicationShutdown(): void {
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
  }
}
