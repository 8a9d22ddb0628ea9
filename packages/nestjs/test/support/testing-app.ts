import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import type { INestApplicationContext, ModuleMetadata } from '@nestjs/common';
import { CohortNode } from '@cohort/nats';
import { FAST_OPTIONS, silentLogger } from '@cohort/nats-harness';
import type { InMemoryNetwork } from '@cohort/nats';
import { COHORT_NODE, CohortModule } from '../../src/index.js';
import type { CohortModuleOptions } from '../../src/index.js';

export const silent = silentLogger;

/** Protocol timers scaled down so that a view change over the in-memory transport takes tens of ms. */
export const fast = { ...FAST_OPTIONS, joinTimeoutMs: 150 } as const;

const apps: INestApplicationContext[] = [];

/**
 * A Nest application context with CohortModule whose node runs over the in-memory network
 * (the real module, explorer, orchestrator and handles; only the NATS connection is replaced).
 */
export async function startApp(
  net: InMemoryNetwork,
  providers: NonNullable<ModuleMetadata['providers']>,
  options: Partial<CohortModuleOptions> = {},
): Promise<INestApplicationContext> {
  const moduleRef = await Test.createTestingModule({
    imports: [CohortModule.forRoot({ namespace: 'test', servers: 'nats://unused', ...options })],
    providers,
  })
    .overrideProvider(COHORT_NODE)
    .useValue(new CohortNode(net.connect(), { namespace: 'test', name: 'n', logger: silent, ...fast }))
    .compile();
  moduleRef.useLogger(false);
  const ctx = await moduleRef.init();
  apps.push(ctx);
  return ctx;
}

/** Closes every context started by the current test (for afterEach). */
export async function closeApps(): Promise<void> {
  await Promise.allSettled(apps.splice(0).map((a) => a.close()));
}
