import { Inject, Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { CohortNode } from '@cohort/nats';
import { COHORT_NODE } from './constants.js';
import { COHORT_MODULE_OPTIONS } from './cohort.module-definition.js';
import type { RegisteredGroup } from './cohort.registry.js';
import { CohortRegistry } from './cohort.registry.js';
import { GroupDispatcher } from './group-dispatcher.js';
import type { CohortModuleOptions } from './interfaces.js';

/**
 * Joins the registered groups at application bootstrap (startup waits for every first view),
 * hands each group's views and deliveries to its dispatcher, and leaves gracefully before
 * shutdown over the module's own NATS connection.
 */
@Injectable()
export class CohortOrchestrator implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Cohort');
  private readonly dispatchers = new Map<string, GroupDispatcher>();

  constructor(
    @Inject(COHORT_NODE) private readonly node: CohortNode,
    private readonly registry: CohortRegistry,
    @Inject(COHORT_MODULE_OPTIONS) private readonly options: CohortModuleOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(this.registry.all().map((g) => this.join(g)));
  }

  private async join(entry: RegisteredGroup): Promise<void> {
    const dispatcher = new GroupDispatcher(
      entry,
      this.logger,
      entry.options.maxConsecutiveHandlerFailures ?? this.options.maxConsecutiveHandlerFailures,
    );
    this.dispatchers.set(entry.name, dispatcher);
    const state = dispatcher.state();
    const group = await this.node.join<unknown>(entry.name, {
      // Subscribe before the join starts: the first view and every delivery reach the handlers.
      attach: (handle) => dispatcher.attach(handle),
      ...(entry.options.ordering === undefined ? {} : { ordering: entry.options.ordering }),
      ...(entry.options.delivery === undefined ? {} : { delivery: entry.options.delivery }),
      ...(entry.options.codec === undefined ? {} : { codec: entry.options.codec }),
      ...(entry.options.joinTimeoutMs === undefined ? {} : { timeoutMs: entry.options.joinTimeoutMs }),
      ...(state === undefined ? {} : { state }),
    });
    this.logger.log(
      `joined group ${entry.name} as ${this.node.id} in view ${group.view.id} (${group.view.members.length} members)`,
    );
    this.registry.ref(entry.name).bind(group, dispatcher);
  }

  /** Leaves every group (survivors see `left`, not `failed`), then lets queued handlers finish. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.node.close();
    await Promise.allSettled([...this.dispatchers.values()].map((d) => d.idle()));
  }

  onApplicationShutdown(): void {
    for (const d of this.dispatchers.values()) d.close();
  }
}
