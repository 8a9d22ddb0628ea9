import { ConfigurationError, validateName } from '@cohort/nats';

export interface ReplicaConfig {
  readonly natsUrl: string;
  readonly namespace: string;
  readonly name: string;
}

/**
 * A replica's settings, from the environment: NATS_URL (default nats://127.0.0.1:4222),
 * COHORT_NAMESPACE (default `bank`), REPLICA_NAME (default `replica`). A bad value fails at
 * startup, naming the variable.
 */
export function replicaConfig(env: NodeJS.ProcessEnv = process.env): ReplicaConfig {
  const natsUrl = env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
  if (!/^(nats|tls|wss?):\/\//.test(natsUrl.split(',')[0]!.trim())) {
    throw new ConfigurationError('NATS_URL', `${JSON.stringify(natsUrl)} is not a NATS URL (nats://host:port)`);
  }
  const namespace = env['COHORT_NAMESPACE'] ?? 'bank';
  const name = env['REPLICA_NAME'] ?? 'replica';
  validateName('COHORT_NAMESPACE', namespace);
  validateName('REPLICA_NAME', name);
  return { natsUrl, namespace, name };
}
