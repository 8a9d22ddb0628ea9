import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CohortModuleOptions } from './interfaces.js';

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: COHORT_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CohortModuleOptions>()
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createCohortOptions')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
