import { Controller, Get, Header } from '@nestjs/common';
import type { Type } from '@nestjs/common';
import { CohortMetricsService } from './cohort-metrics.service.js';

/** The text exposition format prom-client's registries produce. */
const EXPOSITION = 'text/plain; version=0.0.4; charset=utf-8';

/** A controller serving the registry at `path` (one class per path: Nest reads the path from the class). */
export function cohortMetricsController(path: string): Type<unknown> {
  @Controller(path)
  class CohortMetricsController {
    constructor(private readonly metrics: CohortMetricsService) {}

    @Get()
    @Header('Content-Type', EXPOSITION)
    scrape(): Promise<string> {
      return this.metrics.metrics();
    }
  }
  return CohortMetricsController;
}
