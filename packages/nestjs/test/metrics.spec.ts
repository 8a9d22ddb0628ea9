import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Registry } from 'prom-client';
import { CohortNode, ConfigurationError, InMemoryNetwork } from '@cohort/nats';
import type { Group } from '@cohort/nats';
import { waitUntil as until } from '@cohort/nats-harness';
import {
  COHORT_NODE,
  CohortMetricsModule,
  CohortMetricsService,
  CohortModule,
  GroupMember,
  InjectGroup,
  OnMessage,
} from '../src/index.js';
import { fast, silent } from './support/testing-app.js';

// CohortMetricsModule in a Nest HTTP application (Express): GET /metrics serves the node's
// counters, and they match what the application did.

@GroupMember('orders', { ordering: 'total' })
@Injectable()
class Orders {
  readonly applied: number[] = [];
  constructor(@InjectGroup('orders') readonly group: Group<number>) {}

  @OnMessage()
  apply(n: number): void {
    this.applied.push(n);
  }
}

const apps: INestApplication[] = [];
afterEach(async () => {
  await Promise.allSettled(apps.splice(0).map((a) => a.close()));
});

async function httpApp(net: InMemoryNetwork, name: string, metrics: Parameters<typeof CohortMetricsModule.forRoot>[0]) {
  const moduleRef = await Test.createTestingModule({
    imports: [
      CohortModule.forRoot({ namespace: 'test', servers: 'nats://unused' }),
      CohortMetricsModule.forRoot(metrics),
    ],
    providers: [Orders],
  })
    .overrideProvider(COHORT_NODE)
    .useValue(new CohortNode(net.connect(), { namespace: 'test', name, logger: silent, ...fast }))
    .compile();
  const app = moduleRef.createNestApplication({ logger: false });
  apps.push(app);
  await app.listen(0, '127.0.0.1');
  return app;
}

function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('CohortMetricsModule', () => {
  it('serves the node metrics at GET /metrics, with the counts of the traffic', async () => {
    const net = new InMemoryNetwork();
    const a = await httpApp(net, 'a', { registry: new Registry() });
    const b = await httpApp(net, 'b', { registry: new Registry(), path: 'ops/metrics' });
    const [oa, ob] = [a.get(Orders), b.get(Orders)];
    await until(() => oa.group.view.members.length === 2 && ob.group.view.members.length === 2);
    for (let i = 0; i < 30; i++) await oa.group.multicast(i);
    await until(() => ob.applied.length === 30);

    const response = await fetch(`${await a.getUrl()}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(sample(text, 'cohort_multicasts_total{node="a",group="orders"}')).toBe(30);
    expect(sample(text, 'cohort_deliveries_total{node="a",group="orders"}')).toBe(30);
    expect(sample(text, 'cohort_view_changes_total{node="a",group="orders",cause="join"}')).toBe(1);

    const atB = await (await fetch(`${await b.getUrl()}/ops/metrics`)).text();
    expect(sample(atB, 'cohort_deliveries_total{node="b",group="orders"}')).toBe(30);
    expect(b.get(CohortMetricsService).enabled).toBe(true);
  });

  it('can leave serving to an exporter of the registry, and rejects a bad path', async () => {
    const net = new InMemoryNetwork();
    const registry = new Registry();
    const app = await httpApp(net, 'c', { registry, path: false });
    expect((await fetch(`${await app.getUrl()}/metrics`)).status).toBe(404);
    expect(await registry.metrics()).toContain('cohort_deliveries_total');
    expect(() => CohortMetricsModule.forRoot({ path: '' })).toThrow(ConfigurationError);
  });
});
