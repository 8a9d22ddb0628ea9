import type { ConnectionOptions, NatsConnection } from '@nats-io/transport-node';
import { connect as natsConnect } from '@nats-io/transport-node';
import type { CohortLogger, NodeOptions } from '@cohort/core';
import { CohortError, CohortNode, ConsoleLogger, validateName } from '@cohort/core';
import { NatsTransport } from './nats-transport.js';
import { StatusResponder } from './status/status-responder.js';

/** Options of `connect()`: where NATS is, which namespace, and Cohort's protocol knobs. */
export interface ConnectOptions extends NodeOptions {
  /** One URL, a comma-separated list, or an array. Default nats://127.0.0.1:4222. */
  servers?: string | string[];
  /**
   * Passed to the NATS client as they are (user/pass, token, authenticator, tls, ...).
   * `noEcho` is forced to true and `name` defaults to the node name.
   */
  nats?: Omit<ConnectionOptions, 'servers' | 'noEcho'>;
}

/** The NATS connection could not be opened. */
export class NatsConnectError extends CohortError {
  constructor(
    readonly servers: string[],
    cause: unknown,
  ) {
    super(`cannot connect to NATS at ${servers.join(', ')}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/** A Cohort node on NATS (DESIGN §7): `node.id`, `node.join()`, `node.close()`. */
export class NatsCohortNode extends CohortNode {
  /** Answers `cohort status` and gatherStatus() (docs/design/status-protocol.md). */
  private readonly statusResponder: StatusResponder;

  constructor(
    readonly connection: NatsConnection,
    options: NodeOptions,
    logger: CohortLogger,
  ) {
    super(new NatsTransport(connection, logger), { ...options, logger });
    this.statusResponder = new StatusResponder(connection, options.namespace, this, logger);
  }

  override async close(): Promise<void> {
    // Stops answering first: the close ends by draining the connection, and an answer published
    // while it drains would throw. Askers meanwhile count the node as not answering: it is leaving.
    this.statusResponder.stop();
    await super.close();
  }
}

function serverList(servers: string | string[] | undefined): string[] {
  if (servers === undefined) return ['nats://127.0.0.1:4222'];
  const list = (Array.isArray(servers) ? servers : servers.split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
  if (list.length === 0) throw new CohortError('invalid Cohort configuration: servers: no NATS server URL given');
  return list;
}

/**
 * Opens a NATS connection and returns a Cohort node on it. Options are validated before any
 * connection is attempted, so bad configuration fails fast with a message that says what to fix.
 */
export async function connect(options: ConnectOptions): Promise<NatsCohortNode> {
  validateName('namespace', options.namespace);
  if (options.name !== undefined) validateName('node name', options.name);
  const servers = serverList(options.servers);
  const logger = options.logger ?? new ConsoleLogger();
  let connection: NatsConnection;
  try {
    connection = await natsConnect({
      maxReconnectAttempts: -1,
      // Reconnect quickly: while the connection is down this node's failure detector pauses.
      reconnectTimeWait: 250,
      name: options.name ?? 'cohort',
      ...options.nats,
      servers,
      noEcho: true,
    });
  } catch (cause) {
    throw new NatsConnectError(servers, cause);
  }
  try {
    return new NatsCohortNode(connection, options, logger);
  } catch (error) {
    await connection.close();
    throw error;
  }
}
