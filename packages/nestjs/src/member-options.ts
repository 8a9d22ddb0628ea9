import { ConfigurationError, DeliveryMode, Ordering } from '@cohort/nats';
import type { GroupMemberOptions, HandlerFailurePolicy } from './interfaces.js';

const KNOWN = new Set([
  'ordering',
  'delivery',
  'codec',
  'stateCodec',
  'joinTimeoutMs',
  'maxConsecutiveHandlerFailures',
]);

/** Checks `@GroupMember` options when the decorator is applied, so a typo fails at import with its group named. */
export function validateMemberOptions(group: string, options: GroupMemberOptions): void {
  const where = `@GroupMember('${group}')`;
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new ConfigurationError(where, `unknown option ${JSON.stringify(key)}; known: ${[...KNOWN].join(', ')}`);
    }
  }
  if (options.ordering !== undefined && !Object.hasOwn(Ordering, options.ordering)) {
    throw new ConfigurationError(
      where,
      `ordering ${JSON.stringify(options.ordering)} is not one of fifo, causal, total`,
    );
  }
  if (options.delivery !== undefined && !Object.hasOwn(DeliveryMode, options.delivery)) {
    throw new ConfigurationError(where, `delivery ${JSON.stringify(options.delivery)} is not one of agreed, safe`);
  }
  for (const codec of ['codec', 'stateCodec'] as const) {
    const c = options[codec];
    if (c !== undefined && (typeof c?.encode !== 'function' || typeof c.decode !== 'function')) {
      throw new ConfigurationError(where, `${codec} must be { encode(value): Uint8Array, decode(bytes) }`);
    }
  }
  positive(where, 'joinTimeoutMs', options.joinTimeoutMs);
  validateFailurePolicy(where, options);
}

export function validateFailurePolicy(where: string, policy: HandlerFailurePolicy): void {
  positive(where, 'maxConsecutiveHandlerFailures', policy.maxConsecutiveHandlerFailures);
}

function positive(where: string, option: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value <= 0)) {
    throw new ConfigurationError(where, `${option} must be a positive integer, got ${JSON.stringify(value)}`);
  }
}
