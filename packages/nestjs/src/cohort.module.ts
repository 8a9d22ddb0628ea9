import { Logger, Module } from '@nestjs/common';
import type { DynamicModule, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { connect } from '@cohort/nats';
import { COHORT_NODE, getGroupToken } from './constants.js';
import { CohortExplorer } from './cohort.explorer.js';
import {
  ASYNC_OPTIONS_TYPE,
  COHORT_MODULE_OPTIONS,
  ConfigurableModuleClass,
  OPTIONS_TYPE,
} from './cohort.module-definition.js';
import { CohortOrchestrator } from './cohort.orchestrator.js';
import { CohortRegistry } from './cohort.registry.js';
import { declaredGroups } from './group-declarations.js';
import type { CohortModuleOptions } from './interfaces.js';
import { validateFailurePolicy } from './member-options.js';
import { CohortHealthIndicator } from './health/cohort.health-indicator.js';

function groupProviders(groups: Iterable<string>): Provider[] {
  return [...new Set(groups)].map((group) => ({
    provide: getGroupToken(group),
    useFactory: (registry: CohortRegistry) => registry.ref(group),
    inject: [CohortRegistry],
  }));
}

const nodeProvider: Provider = {
  provide: COHORT_NODE,
  // The module keeps its own NATS connection: a Nest microservice closes its transport before
  // the shutdown hooks run, and leaving a group needs the bus.
  useFactory: (options: CohortModuleOptions) => {
    const { maxConsecutiveHandlerFailures, ...connectOptions } = options;
    validateFailurePolicy('CohortModule options', { maxConsecutiveHandlerFailures });
    return connect({ logger: new Logger('Cohort'), ...connectOptions });
  },
  inject: [COHORT_MODULE_OPTIONS],
};

/**
 * Cohort for Nest: `CohortModule.forRoot({ servers, namespace })` (or `forRootAsync`) connects
 * to NATS, discovers `@GroupMember` providers, joins their groups at bootstrap and leaves them
 * before shutdown. Global by default (`isGlobal: false` to scope it).
 */
@Module({
  imports: [DiscoveryModule],
  providers: [CohortRegistry, CohortExplorer, CohortOrchestrator, CohortHealthIndicator, nodeProvider],
  exports: [CohortRegistry, CohortHealthIndicator, COHORT_NODE],
})
export class CohortModule extends ConfigurableModuleClass {
  static forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    return withGroups(super.forRoot(options));
  }

  static forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return withGroups(super.forRootAsync(options));
  }

  /** Declares group handles for `@InjectGroup` explicitly (needed only if forRoot ran before the decorators). */
  static forFeature(...groups: string[]): DynamicModule {
    const providers = groupProviders(groups);
    return { module: CohortModule, providers, exports: providers };
  }
}

function withGroups(module: DynamicModule): DynamicModule {
  const providers = groupProviders(declaredGroups);
  return {
    ...module,
    providers: [...(module.providers ?? []), ...providers],
    exports: [...(module.exports ?? []), ...providers.map((p) => (p as { provide: string }).provide)],
  };
}
