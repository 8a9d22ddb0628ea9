import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { waitUntil as until } from '@cohort/nats-harness';
import { Injectable, Module } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { CohortNode, ConfigurationError, InMemoryNetwork, InvalidNameError, JoinTimeoutError } from '@cohort/nats';
import type { Group } from '@cohort/nats';
import {
  COHORT_NODE,
  CohortHealthIndicator,
  CohortModule,
  GroupMember,
  InjectGroup,
  OnStateRequest,
  OnStateTransfer,
} from '../src/index.js';
import type { CohortModuleOptions } from '../src/index.js';
import { closeApps, fast, silent, startApp } from './support/testing-app.js';

afterEach(closeApps);

const contexts: INestApplicationContext[] = [];
afterEach(async () => {
  await Promise.allSettled(contexts.splice(0).map((c) => c.close()));
});

describe('@GroupMember options', () => {
  it('are checked when the decorator is applied, with the group and the fix named', () => {
    expect(() => GroupMember('g', { ordering: 'totally' as never })).toThrow(
      /@GroupMember\('g'\): ordering "totally" is not one of fifo, causal, total/,
    );
    expect(() => GroupMember('g', { delivery: 'uniform' as never })).toThrow(ConfigurationError);
    expect(() => GroupMember('g', { joinTimeoutMs: -5 })).toThrow(/joinTimeoutMs must be a positive integer/);
    expect(() => GroupMember('g', { maxConsecutiveHandlerFailures: 0 })).toThrow(/maxConsecutiveHandlerFailures/);
    expect(() => GroupMember('g', { orderring: 'total' } as never)).toThrow(/unknown option "orderring"/);
    expect(() => GroupMember('bad.name')).toThrow(InvalidNameError);
  });

  it('state transfer needs both hooks, once per group', async () => {
    @GroupMember('half')
    @Injectable()
    class Half {
      @OnStateRequest()
      snapshot(): number {
        return 1;
      }
    }
    await expect(startApp(new InMemoryNetwork(), [Half])).rejects.toThrow(/needs both/);

    @GroupMember('twice')
    @Injectable()
    class One {
      @OnStateRequest()
      snapshot(): number {
        return 1;
      }
      @OnStateTransfer()
      restore(): void {}
    }
    @GroupMember('twice')
    @Injectable()
    class Two {
      @OnStateRequest()
      snapshot(): number {
        return 2;
      }
    }
    await expect(startApp(new InMemoryNetwork(), [One, Two])).rejects.toThrow(
      /already has a @OnStateRequest method \(One.snapshot\)/,
    );
  });
});

@GroupMember('slow', { joinTimeoutMs: 20 })
@Injectable()
class Impatient {}

describe('startup', () => {
  it('fails with JoinTimeoutError when the first view does not come within joinTimeoutMs', async () => {
    // A lone node first waits joinTimeoutMs (150 ms here) for a mesh to answer: 20 ms is too short.
    const error = await startApp(new InMemoryNetwork(), [Impatient]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JoinTimeoutError);
    expect(error).toMatchObject({ group: 'slow', timeoutMs: 20 });
  });

  it('fails on bad module options with a message that says what to fix', async () => {
    const bad = async (options: CohortModuleOptions) => {
      const moduleRef = await Test.createTestingModule({ imports: [CohortModule.forRoot(options)] }).compile();
      moduleRef.useLogger(false);
      contexts.push(moduleRef);
      return moduleRef.init();
    };
    await expect(bad({ namespace: 'has space' })).rejects.toThrow(InvalidNameError);
    await expect(bad({ namespace: 'ok', servers: ' , ' })).rejects.toThrow(/servers: no NATS server URL given/);
    await expect(bad({ namespace: 'ok', maxConsecutiveHandlerFailures: 1.5 })).rejects.toThrow(
      /CohortModule options: maxConsecutiveHandlerFailures must be a positive integer/,
    );
  });
});

@GroupMember('cfg')
@Injectable()
class Member {
  constructor(@InjectGroup('cfg') readonly group: Group<unknown>) {}
}

@Injectable()
class CohortConfig {
  createCohortOptions(): CohortModuleOptions {
    return { namespace: 'from-class', servers: 'nats://unused' };
  }
}

@Module({ providers: [CohortConfig], exports: [CohortConfig] })
class ConfigModule {}

describe('CohortModule.forRootAsync', () => {
  const withNode = async (imports: NonNullable<Parameters<typeof Test.createTestingModule>[0]['imports']>) => {
    const net = new InMemoryNetwork();
    const moduleRef = await Test.createTestingModule({ imports, providers: [Member] })
      .overrideProvider(COHORT_NODE)
      .useValue(new CohortNode(net.connect(), { namespace: 'test', name: 'n', logger: silent, ...fast }))
      .compile();
    moduleRef.useLogger(false);
    contexts.push(moduleRef);
    return moduleRef.init();
  };

  it('accepts useFactory with injected dependencies, useClass and useExisting', async () => {
    const factory = await withNode([
      CohortModule.forRootAsync({
        imports: [ConfigModule],
        inject: [CohortConfig],
        useFactory: (config: CohortConfig) => config.createCohortOptions(),
      }),
    ]);
    expect(factory.get(Member).group.view.members).toHaveLength(1);
    const byClass = await withNode([CohortModule.forRootAsync({ useClass: CohortConfig })]);
    expect(byClass.get(Member).group.view.members).toHaveLength(1);
    const existing = await withNode([
      CohortModule.forRootAsync({ imports: [ConfigModule], useExisting: CohortConfig }),
    ]);
    expect(existing.get(Member).group.view.members).toHaveLength(1);
  });
});

@Injectable()
class Health {
  constructor(
    readonly health: HealthCheckService,
    readonly cohort: CohortHealthIndicator,
  ) {}

  check() {
    return this.health.check([() => this.cohort.isHealthy('cohort')]);
  }
}

describe('CohortHealthIndicator', () => {
  it('reports membership and view through @nestjs/terminus: up as a member, down after leaving', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [TerminusModule, CohortModule.forRoot({ namespace: 'test', servers: 'nats://unused' })],
      providers: [Member, Health],
    })
      .overrideProvider(COHORT_NODE)
      .useValue(
        new CohortNode(new InMemoryNetwork().connect(), { namespace: 'test', name: 'n', logger: silent, ...fast }),
      )
      .compile();
    moduleRef.useLogger(false);
    contexts.push(moduleRef);
    const ctx = await moduleRef.init();
    const health = ctx.get(Health);
    const member = ctx.get(Member);
    const up = await health.check();
    expect(up.status).toBe('ok');
    expect(up.details['cohort']).toMatchObject({
      status: 'up',
      mesh: 'member',
      groups: { cfg: { status: 'member', viewId: 1, members: 1, coordinator: member.group.view.coordinator } },
    });
    await member.group.leave();
    await until(() => member.group.status === 'left');
    const down = await health.check().catch((e: { response: unknown }) => e.response);
    expect(down).toMatchObject({
      status: 'error',
      error: { cohort: { status: 'down', groups: { cfg: { status: 'left' } } } },
    });
  });
});
