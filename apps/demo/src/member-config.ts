import { ConfigurationError, validateName } from '@cohort/nats';

/** A demo member is configured by environment, like any deployed Nest service. */
export interface MemberConfig {
  readonly natsUrl: string;
  readonly namespace: string;
  readonly name: string;
  readonly group: string;
  /** Messages this member multicasts. */
  readonly count: number;
  /** Start multicasting once the view has this many members. */
  readonly members: number;
  /** Write the member's history (views, sends, deliveries) here as JSON, for the checkers. */
  readonly historyFile: string | undefined;
}

function int(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new ConfigurationError(key, `must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return n;
}

export function memberConfig(env: NodeJS.ProcessEnv = process.env): MemberConfig {
  return {
    natsUrl: env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
    namespace: validateName('COHORT_NAMESPACE', env['COHORT_NAMESPACE'] ?? 'demo'),
    name: validateName('MEMBER_NAME', env['MEMBER_NAME'] ?? 'member'),
    group: validateName('COHORT_GROUP', env['COHORT_GROUP'] ?? 'chat'),
    count: int(env, 'COUNT', 10),
    members: int(env, 'MEMBERS', 2),
    historyFile: env['HISTORY_FILE'] || undefined,
  };
}
