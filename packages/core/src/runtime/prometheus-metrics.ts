import type * as PromClientModule from 'prom-client';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import type { CohortEvent } from './cohort-events.js';
import type { CohortNode } from './cohort-node.js';
import type { NodeCounters } from './node-observer.js';

type PromClient = typeof PromClientModule;

/** What Cohort needs of a prom-client `Registry` (typed here so that prom-client stays optional). */
export interface MetricsRegistry {
  metrics(): Promise<string>;
  readonly contentType: string;
}

export interface PrometheusOptions {
  /**
   * A prom-client `Registry` to register the metrics in; default prom-client's global registry
   * (what most exporters, @willsoto/nestjs-prometheus among them, serve).
   */
  readonly registry?: MetricsRegistry;
  /** Prefix of every metric name; default `cohort_`. */
  readonly prefix?: string;
}

/**
 * Cohort's metrics in a prom-client registry (docs/design/observability.md). Counters and gauges
 * are read from `node.counters()` when the registry is scraped, so the hot path only increments
 * plain numbers; histograms are fed by `node.events$`. `enabled` is false when prom-client is not
 * installed: then nothing is registered and `metrics()` returns an empty string.
 */
export interface CohortMetrics {
  readonly enabled: boolean;
  readonly registry: MetricsRegistry | undefined;
  /** Starts reporting a node's metrics, labelled with its name. */
  add(node: CohortNode): void;
  remove(node: CohortNode): void;
  /** The registry's text exposition, for a /metrics endpoint. */
  metrics(): Promise<string>;
  readonly contentType: string;
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

async function loadPromClient(): Promise<PromClient | undefined> {
  try {
    return await import('prom-client');
  } catch {
    return undefined;
  }
}

/** One set of metrics per registry and prefix: prom-client refuses a metric name registered twice. */
const registered = new WeakMap<object, Map<string, PrometheusMetrics>>();

/**
 * Registers Cohort's metrics for `nodes` (more with `add`); a no-op without prom-client. Called
 * again with the same registry and prefix, it returns the same metrics with the nodes added.
 */
export async function prometheusMetrics(
  nodes: readonly CohortNode[] = [],
  options: PrometheusOptions = {},
): Promise<CohortMetrics> {
  const prom = await loadPromClient();
  if (prom === undefined) return disabled();
  const registry = (options.registry as Registry | undefined) ?? prom.register;
  const prefix = options.prefix ?? 'cohort_';
  const byPrefix = registered.get(registry) ?? new Map<string, PrometheusMetrics>();
  registered.set(registry, byPrefix);
  let metrics = byPrefix.get(prefix);
  if (metrics === undefined) {
    metrics = new PrometheusMetrics(prom, registry, prefix);
    byPrefix.set(prefix, metrics);
  }
  for (const node of nodes) metrics.add(node);
  return metrics;
}

function disabled(): CohortMetrics {
  return {
    enabled: false,
    registry: undefined,
    add: () => {},
    remove: () => {},
    metrics: () => Promise.resolve(''),
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
  };
}

type GroupField = 'multicasts' | 'deliveries' | 'retransmissions' | 'naks' | 'flushes' | 'stateBytes';

class PrometheusMetrics implements CohortMetrics {
  readonly enabled = true;
  readonly registry: Registry;
  private readonly nodes = new Map<CohortNode, Subscription>();
  private readonly flushBlocking: Histogram<'node' | 'group'>;
  private readonly failureDetection: Histogram<'node'>;
  private readonly stateTransfer: Histogram<'node' | 'group'>;

  constructor(prom: PromClient, registry: Registry, prefix: string) {
    this.registry = registry;
    const registers = [registry];
    const read = (): [string, NodeCounters][] => [...this.nodes.keys()].map((n) => [n.principal, n.counters()]);
    type Group = NodeCounters['groups'][string];
    /** Every node's groups, with their labels: the rows of the per-group metrics. */
    const eachGroup = (row: (labels: { node: string; group: string }, c: Group) => void): void => {
      for (const [node, counters] of read()) {
        for (const [group, c] of Object.entries(counters.groups)) row({ node, group }, c);
      }
    };

    const groupCounter = (name: string, help: string, field: GroupField): Counter<'node' | 'group'> =>
      new prom.Counter({
        name: `${prefix}${name}`,
        help,
        labelNames: ['node', 'group'],
        registers,
        collect() {
          this.reset();
          eachGroup((labels, c) => this.inc(labels, c[field]));
        },
      });
    groupCounter('multicasts_total', 'Multicasts sent by this member.', 'multicasts');
    groupCounter('deliveries_total', 'Messages delivered at this member, its own included.', 'deliveries');
    groupCounter(
      'retransmissions_total',
      'Data frames sent again, on a NAK or for a view change cut.',
      'retransmissions',
    );
    groupCounter('naks_total', 'NAKs sent for missing data frames or order records.', 'naks');
    groupCounter('flushes_total', 'View changes that stopped this member sending.', 'flushes');
    groupCounter(
      'state_transfer_bytes_total',
      'State bytes given to joiners or received from a provider.',
      'stateBytes',
    );

    new prom.Counter({
      name: `${prefix}dropped_frames_total`,
      help: 'Inbound frames dropped, by reason (malformed, stale, forged, duplicate, ...).',
      labelNames: ['node', 'reason'],
      registers,
      collect() {
        this.reset();
        for (const [node, counters] of read()) {
          for (const [reason, n] of Object.entries(counters.drops)) this.inc({ node, reason }, n);
        }
      },
    });
    new prom.Counter({
      name: `${prefix}view_changes_total`,
      help: 'View changes by cause; group "$mesh" is the node mesh.',
      labelNames: ['node', 'group', 'cause'],
      registers,
      collect() {
        this.reset();
        for (const [node, counters] of read()) {
          const all: [string, Record<string, number>][] = [
            ['$mesh', counters.meshViewChanges],
            ...Object.entries(counters.groups).map(([g, c]): [string, Record<string, number>] => [g, c.viewChanges]),
          ];
          for (const [group, causes] of all) {
            for (const [cause, n] of Object.entries(causes)) this.inc({ node, group, cause }, n);
          }
        }
      },
    });
    const backlog = (name: string, help: string, value: (l: Group['load']) => number): Gauge =>
      new prom.Gauge({
        name: `${prefix}${name}`,
        help,
        labelNames: ['node', 'group'],
        registers,
        collect() {
          this.reset();
          eachGroup((labels, c) => this.set(labels, value(c.load)));
        },
      });
    backlog(
      'unstable_messages',
      "Messages held until stable: own unstable multicasts and others' retained.",
      (l) => l.own + l.others,
    );
    backlog('unstable_bytes', 'Payload bytes of own multicasts not yet stable.', (l) => l.ownBytes);
    backlog('queued_multicasts', 'Multicasts waiting for window room or the end of a view change.', (l) => l.queued);

    this.flushBlocking = new prom.Histogram({
      name: `${prefix}flush_blocking_seconds`,
      help: "How long a view change held back this member's multicasts.",
      labelNames: ['node', 'group'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.failureDetection = new prom.Histogram({
      name: `${prefix}failure_detection_seconds`,
      help: 'From the last frame heard from a node to the mesh view that removed it as failed.',
      labelNames: ['node'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.stateTransfer = new prom.Histogram({
      name: `${prefix}state_transfer_seconds`,
      help: 'At a joiner: from its first view to the state it received.',
      labelNames: ['node', 'group'],
      buckets: DURATION_BUCKETS,
      registers,
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  add(node: CohortNode): void {
    if (this.nodes.has(node)) return;
    this.nodes.set(
      node,
      node.events$.subscribe((event) => this.observe(node.principal, event)),
    );
  }

  remove(node: CohortNode): void {
    this.nodes.get(node)?.unsubscribe();
    this.nodes.delete(node);
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  private observe(node: string, event: CohortEvent): void {
    switch (event.kind) {
      case 'flushed':
        return this.flushBlocking.observe({ node, group: event.group }, event.blockedMs / 1000);
      case 'mesh-view':
        for (const ms of Object.values(event.silenceMs)) this.failureDetection.observe({ node }, ms / 1000);
        return;
      case 'state-restored':
        return this.stateTransfer.observe({ node, group: event.group }, event.ms / 1000);
      default:
        return;
    }
  }
}
