import { ConfigurationError, Ordering } from '@cohort/nats';
import type { Ordering as OrderingType } from '@cohort/nats';

export interface ForumConfig {
  readonly natsUrl: string;
  readonly namespace: string;
  readonly name: string;
  /** Posts this participant writes. */
  readonly posts: number;
  /** Participants to wait for before posting, and whose posts to wait for before leaving. */
  readonly members: number;
  /** Posts written concurrently (each still a reply to something already delivered here). */
  readonly inFlight: number;
  /**
   * causal by default. Under fifo a reply can be delivered before its parent when the parent is
   * delayed on its way to a member (lost and resent, or held behind a gap); on a quiet loopback
   * cluster that is rare, so the count of orphans is the check, not a demonstration.
   */
  readonly ordering: OrderingType;
}

/** The participant's settings, from the environment; a bad value fails at startup, naming the variable. */
export function forumConfig(env: NodeJS.ProcessEnv = process.env): ForumConfig {
  const int = (key: string, fallback: number) => {
    const raw = env[key];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0)
      throw new ConfigurationError(key, `must be a positive integer, got ${JSON.stringify(raw)}`);
    return n;
  };
  const ordering = env['ORDERING'] ?? 'causal';
  if (!Object.hasOwn(Ordering, ordering)) {
    throw new ConfigurationError('ORDERING', `${JSON.stringify(ordering)} is not one of fifo, causal, total`);
  }
  return {
    natsUrl: env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
    namespace: env['COHORT_NAMESPACE'] ?? 'forum',
    name: env['MEMBER_NAME'] ?? 'participant',
    posts: int('POSTS', 50),
    members: int('MEMBERS', 3),
    inFlight: int('IN_FLIGHT', 1),
    ordering: ordering as OrderingType,
  };
}
