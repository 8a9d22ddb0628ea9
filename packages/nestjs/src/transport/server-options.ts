import type {
  ConnectOptions,
  DeliveryMode as DeliveryModeType,
  GroupState,
  Ordering as OrderingType,
  PayloadCodec,
} from '@cohort/nats';
import {
  ConfigurationError,
  DeliveryMode,
  Ordering,
  resolveMeshConfig,
  resolveProtocolConfig,
  validateName,
} from '@cohort/nats';

/** How CohortServer joins one group. Every member of a group must pass the same ordering, delivery and state. */
export interface CohortServerGroupOptions {
  ordering?: OrderingType;
  delivery?: DeliveryModeType;
  codec?: PayloadCodec<unknown>;
  /** Handed to joiners; `snapshot` runs in the handler queue, after the handlers of the previous view's deliveries. */
  state?: GroupState;
  /** listen() waits at most this long for the group's first view. Default: the node's joinTimeoutMs + 10 s. */
  joinTimeoutMs?: number;
}

/** `connect()`'s options (servers, namespace, name, logger, timers ...) and the groups to join. */
export interface CohortServerOptions extends ConnectOptions {
  groups: Readonly<Record<string, CohortServerGroupOptions>> | readonly string[];
}

export interface ResolvedServerOptions {
  readonly connect: ConnectOptions;
  readonly groups: ReadonlyMap<string, CohortServerGroupOptions>;
}

// Every key of ConnectOptions, checked by the compiler both ways (a key added to ConnectOptions
// must be listed here, a key listed here must exist), so that "unknown option" stays true.
const CONNECT_KEYS = {
  servers: true,
  nats: true,
  namespace: true,
  name: true,
  logger: true,
  joinTimeoutMs: true,
  nakIntervalMs: true,
  digestIntervalMs: true,
  flushRetryMs: true,
  flushTimeoutMs: true,
  windowMessages: true,
  windowBytes: true,
  tickMs: true,
  maxMessageBytes: true,
  heartbeatMs: true,
  suspectAfterMs: true,
  verifyTimeoutMs: true,
  minNodes: true,
} as const satisfies Record<keyof ConnectOptions, true>;

const GROUP_KEYS = {
  ordering: true,
  delivery: true,
  codec: true,
  state: true,
  joinTimeoutMs: true,
} as const satisfies Record<keyof CohortServerGroupOptions, true>;

// The payload limit of a default nats-server: the protocol options are checked against it here,
// and again against the server's real limit when connect() runs.
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

function unknownKeys(where: string, value: object, known: object): void {
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(known, key)) {
      throw new ConfigurationError(
        `${where}.${key}`,
        `unknown option; known options are ${Object.keys(known).join(', ')}`,
      );
    }
  }
}

function groupOptions(group: string, options: unknown): CohortServerGroupOptions {
  const where = `groups.${group}`;
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError(where, 'must be an object of join options ({} for the defaults)');
  }
  unknownKeys(where, options, GROUP_KEYS);
  const o = options as CohortServerGroupOptions;
  if (o.ordering !== undefined && !Object.hasOwn(Ordering, o.ordering)) {
    throw new ConfigurationError(
      `${where}.ordering`,
      `${JSON.stringify(o.ordering)} is not one of fifo, causal, total`,
    );
  }
  if (o.delivery !== undefined && !Object.hasOwn(DeliveryMode, o.delivery)) {
    throw new ConfigurationError(`${where}.delivery`, `${JSON.stringify(o.delivery)} is not one of agreed, safe`);
  }
  if (o.codec !== undefined && (typeof o.codec?.encode !== 'function' || typeof o.codec.decode !== 'function')) {
    throw new ConfigurationError(`${where}.codec`, 'must be { encode(value): Uint8Array, decode(bytes) }');
  }
  if (o.state !== undefined && (typeof o.state?.snapshot !== 'function' || typeof o.state.restore !== 'function')) {
    throw new ConfigurationError(
      `${where}.state`,
      'must be { snapshot(): state, restore(state): void } (both functions)',
    );
  }
  const t = o.joinTimeoutMs;
  if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t <= 0)) {
    throw new ConfigurationError(`${where}.joinTimeoutMs`, `must be a positive integer, got ${JSON.stringify(t)}`);
  }
  return o;
}

function groupList(groups: unknown): Map<string, CohortServerGroupOptions> {
  if (groups === undefined || groups === null || typeof groups !== 'object') {
    throw new ConfigurationError(
      'groups',
      "no groups given: pass the groups to join, as names (['ledger']) or with join options ({ ledger: { ordering: 'total' } })",
    );
  }
  const entries: Array<[string, unknown]> = Array.isArray(groups)
    ? groups.map((name: unknown) => [name as string, {}])
    : Object.entries(groups);
  if (entries.length === 0)
    throw new ConfigurationError('groups', 'is empty: a CohortServer serves at least one group');
  const out = new Map<string, CohortServerGroupOptions>();
  for (const [name, options] of entries) {
    validateName('group name', name);
    if (name.startsWith('$')) {
      throw new ConfigurationError(
        'groups',
        `${JSON.stringify(name)}: names starting with '$' are reserved for Cohort's own use`,
      );
    }
    if (out.has(name)) throw new ConfigurationError('groups', `${JSON.stringify(name)} is listed twice`);
    out.set(name, groupOptions(name, options));
  }
  return out;
}

/** Checks everything that can be checked before connecting; every error names the option and what to change. */
export function resolveServerOptions(options: CohortServerOptions): ResolvedServerOptions {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('options', 'must be an object: { servers, namespace, groups, ... }');
  }
  const { groups, ...connect } = options;
  unknownKeys('options', connect, CONNECT_KEYS);
  validateName('namespace', connect.namespace);
  if (connect.name !== undefined) validateName('node name', connect.name);
  resolveProtocolConfig(connect, DEFAULT_MAX_PAYLOAD);
  resolveMeshConfig(connect);
  return { connect, groups: groupList(groups) };
}
