import { afterEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { FAST_OPTIONS, silentLogger, waitUntil as until } from '@cohort/nats-harness';
import { InMemoryNetwork } from '../transport/in-memory-transport.js';
import { CohortNode } from './cohort-node.js';
import type { Group } from './group.js';
import { prometheusMetrics } from './prometheus-metrics.js';

const nodes: CohortNode[] = [];
afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.close()));
});

/** The value of one sample line of the text exposition, or undefined. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('Prometheus metrics', () => {
  it('report the counts of a scripted run per node and group, and time failure detection', async () => {
    const net = new InMemoryNetwork();
    const crashing = net.connect();
    const make = (transport = net.connect(), name: string) => {
      const node = new CohortNode(transport, { namespace: 'prom', name, logger: silentLogger, ...FAST_OPTIONS });
      nodes.push(node);
      return node;
    };
    const [a, b, c] = [make(undefined, 'a'), make(undefined, 'b'), make(crashing, 'c')];
    const registry = new Registry();
    const metrics = await prometheusMetrics([a, b], { registry });
    expect(await prometheusMetrics([c], { registry })).toBe(metrics);
    expect(metrics.enabled).toBe(true);

    const groups: Group<number>[] = [];
    for (const n of [a, b, c]) groups.push(await n.join<number>('orders', { ordering: 'total' }));
    await until(() => groups.every((g) => g.view.members.length === 3), 10_000);
    await Promise.all(groups.flatMap((g) => Array.from({ length: 40 }, (_, i) => g.multicast(i))));
    await until(
      () => a.counters().groups['orders']!.deliveries === 120 && b.counters().groups['orders']!.deliveries === 120,
    );
    // A frame no healthy peer sends, counted by reason.
    net.connect().publish('cohort.prom.grp.orders.data.mallory', new Uint8Array([1, 2, 3]));
    await net.settle();
    metrics.remove(c);
    await crashing.close();
    await until(() => groups[0]!.view.members.length === 2, 10_000);

    const text = await metrics.metrics();
    expect(sample(text, 'cohort_multicasts_total{node="a",group="orders"}')).toBe(40);
    expect(sample(text, 'cohort_deliveries_total{node="a",group="orders"}')).toBe(120);
    expect(sample(text, 'cohort_deliveries_total{node="b",group="orders"}')).toBe(120);
    expect(sample(text, 'cohort_dropped_frames_total{node="a",reason="malformed:truncated"}')).toBe(1);
    expect(sample(text, 'cohort_view_changes_total{node="a",group="orders",cause="join"}')).toBe(2);
    expect(sample(text, 'cohort_view_changes_total{node="a",group="orders",cause="failure"}')).toBe(1);
    expect(sample(text, 'cohort_view_changes_total{node="a",group="$mesh",cause="failure"}')).toBe(1);
    expect(sample(text, 'cohort_flushes_total{node="b",group="orders"}')).toBe(2);
    expect(sample(text, 'cohort_unstable_messages{node="a",group="orders"}')).toBe(0);
    expect(sample(text, 'cohort_failure_detection_seconds_count{node="a"}')).toBe(1);
    expect(sample(text, 'cohort_flush_blocking_seconds_count{node="a",group="orders"}')).toBe(3);
    // A removed node is no longer reported.
    expect(text).not.toContain('node="c"');
    expect(metrics.contentType).toMatch(/^text\/plain/);
  });
});
