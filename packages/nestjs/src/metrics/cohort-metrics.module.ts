import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import type { PrometheusOptions } from '@cohort/nats';
import { ConfigurationError } from '@cohort/nats';
import { cohortMetricsController } from './cohort-metrics.controller.js';
import { COHORT_METRICS_OPTIONS, CohortMetricsService } from './cohort-metrics.service.js';

export interface CohortMetricsModuleOptions extends PrometheusOptions {
  /**
   * Where the controller serves the metrics; default `metrics`. `false`: no controller, for an
   * application whose exporter already serves the registry (prom-client's global one by default).
   */
  readonly path?: string | false;
}

/**
 * Cohort's Prometheus metrics for a Nest application: `CohortMetricsModule.forRoot()` next to
 * `CohortModule.forRoot(...)` (which must be global, its default) serves them at GET /metrics.
 */
@Module({})
export class CohortMetricsModule {
  static forRoot(options: CohortMetricsModuleOptions = {}): DynamicModule {
    const { path = 'metrics', ...prometheus } = options;
    if (path !== false && (typeof path !== 'string' || path.trim() === '')) {
      throw new ConfigurationError(
        'CohortMetricsModule path',
        `must be a non-empty string or false, got ${JSON.stringify(path)}`,
      );
    }
    return {
      module: CohortMetricsModule,
      providers: [{ provide: COHORT_METRICS_OPTIONS, useValue: prometheus }, CohortMetricsService],
      controllers: path === false ? [] : [cohortMetricsController(path)],
      exports: [CohortMetricsService],
    };
  }
}
