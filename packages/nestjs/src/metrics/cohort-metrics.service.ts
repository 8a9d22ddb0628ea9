import { Inject, Injectable } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import type { CohortMetrics, CohortNode, PrometheusOptions } from '@cohort/nats';
import { prometheusMetrics } from '@cohort/nats';
import { COHORT_NODE } from '../constants.js';

export const COHORT_METRICS_OPTIONS = Symbol('COHORT_METRICS_OPTIONS');

/**
 * This application's node in a prom-client registry (prometheusMetrics, docs/design/observability.md):
 * serve `metrics()` from any controller, or let an exporter that serves the registry show them.
 * Without prom-client installed it is disabled and `metrics()` is empty.
 */
@Injectable()
export class CohortMetricsService implements OnModuleInit {
  private metricsHandle: CohortMetrics | undefined;

  constructor(
    @Inject(COHORT_NODE) private readonly node: CohortNode,
    @Inject(COHORT_METRICS_OPTIONS) private readonly options: PrometheusOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    this.metricsHandle = await prometheusMetrics([this.node], this.options);
  }

  get enabled(): boolean {
    return this.metricsHandle?.enabled ?? false;
  }

  get contentType(): string {
    return this.metricsHandle?.contentType ?? 'text/plain; version=0.0.4; charset=utf-8';
  }

  /** The registry's text exposition. */
  metrics(): Promise<string> {
    return this.metricsHandle?.metrics() ?? Promise.resolve('');
  }
}
