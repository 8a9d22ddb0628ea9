import { ClientProxy } from '@nestjs/microservices';
import type { ReadPacket, WritePacket } from '@nestjs/microservices';
import type { ConnectionOptions, NatsConnection } from '@nats-io/transport-node';
import { RequestError, TimeoutError, connect as natsConnect } from '@nats-io/transport-node';
import { ConfigurationError, NatsConnectError, Subjects, validateName } from '@cohort/nats';
import { ClientClosedError, IngressRejectedError, NoMembersError, RequestTimeoutError, describe } from './errors.js';
import type { EmitReceipt, IngressReply } from './ingress-wire.js';
import { checkPattern, decodeReply, encodePacket } from './ingress-wire.js';
import { CohortStatus } from './transport-id.js';

/** Options of CohortClient (`ClientsModule.register([{ name, customClass: CohortClient, options }])`). */
export interface CohortClientOptions {
  /** One URL, a comma-separated list, or an array. Default nats://127.0.0.1:4222. */
  servers?: string | string[];
  /** The namespace of the group's members. */
  namespace: string;
  /** The group every packet of this client goes into. */
  group: string;
  /** How long a packet waits for its answer (for an event: for its multicast). Default 10 000 ms. */
  timeoutMs?: number;
  /** Passed to the NATS client as they are (user/pass, token, authenticator, tls, name, ...). */
  nats?: Omit<ConnectionOptions, 'servers'>;
}

const KNOWN = { servers: true, namespace: true, group: true, timeoutMs: true, nats: true } as const satisfies Record<
  keyof CohortClientOptions,
  true
>;
const DEFAULT_TIMEOUT_MS = 10_000;

function serverList(servers: unknown): string[] {
  if (servers === undefined) return ['nats://127.0.0.1:4222'];
  const list = typeof servers === 'string' ? servers.split(',') : servers;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) {
    throw new ConfigurationError('servers', 'must be a URL, a comma-separated list of URLs, or an array of URLs');
  }
  const urls = list.map((s: string) => s.trim()).filter((s) => s.length > 0);
  if (urls.length === 0) throw new ConfigurationError('servers', 'no NATS server URL given');
  return urls;
}

/**
 * Sends into a group from outside it, as a Nest client: `emit(pattern, data)` completes once a
 * member multicast the event (it is then in the group), `send(pattern, data)` answers with the
 * result of the entry member's handler, which every member ran in the same delivery order. The
 * pattern is the delivery type. See docs/design/transport.md.
 */
// Default type arguments: ClientsModule's customClass is typed as a plain ClientProxy. Its status
// values are those of CohortStatus.
export class CohortClient extends ClientProxy {
  private readonly servers: string[];
  private readonly subject: string;
  private readonly group: string;
  private readonly timeoutMs: number;
  private readonly natsOptions: Omit<ConnectionOptions, 'servers'>;
  private connection: NatsConnection | undefined;
  private connecting: Promise<NatsConnection> | undefined;
  /** Packets waiting for their answer, failed with ClientClosedError by close(). */
  private readonly pending = new Set<(error: Error) => void>();

  constructor(options: CohortClientOptions) {
    super();
    if (options === null || typeof options !== 'object') {
      throw new ConfigurationError('options', 'must be an object: { servers, namespace, group, timeoutMs?, nats? }');
    }
    for (const key of Object.keys(options)) {
      if (!Object.hasOwn(KNOWN, key)) {
        throw new ConfigurationError(key, `unknown option; known options are ${Object.keys(KNOWN).join(', ')}`);
      }
    }
    validateName('namespace', options.namespace);
    this.group = validateName('group name', options.group);
    const t = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (typeof t !== 'number' || !Number.isInteger(t) || t <= 0) {
      throw new ConfigurationError('timeoutMs', `must be a positive integer, got ${JSON.stringify(t)}`);
    }
    this.timeoutMs = t;
    this.servers = serverList(options.servers);
    this.natsOptions = options.nats ?? {};
    this.subject = new Subjects(options.namespace).ingress(this.group);
  }

  /** Opens the NATS connection once; later calls reuse it (or the attempt in progress). */
  connect(): Promise<NatsConnection> {
    this.connecting ??= this.open().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  /** Fails the packets still waiting (ClientClosedError), then drains the connection. */
  async close(): Promise<void> {
    const connection = this.connection ?? (await this.connecting?.catch(() => undefined));
    this.connection = undefined;
    this.connecting = undefined;
    for (const fail of [...this.pending]) fail(new ClientClosedError({ group: this.group }));
    if (connection !== undefined && !connection.isClosed()) await connection.drain();
    this._status$.next(CohortStatus.disconnected);
  }

  /** The NatsConnection, once connected. */
  unwrap<T = NatsConnection>(): T {
    if (this.connection === undefined) throw new Error('CohortClient: not connected; call connect() first');
    return this.connection as T;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    let active = true;
    const { pattern, data, id } = this.assignPacketId(packet);
    this.exchange({ pattern, data, id }).then(
      (reply) => {
        if (!active) return;
        if ('responses' in reply) return deliverResponses(reply, callback);
        callback({ err: this.rejected(reply, packet.pattern) });
      },
      (err: unknown) => active && callback({ err }),
    );
    return () => {
      active = false;
    };
  }

  protected async dispatchEvent<T = EmitReceipt>(packet: ReadPacket): Promise<T> {
    const reply = await this.exchange({ pattern: packet.pattern, data: packet.data });
    if ('ack' in reply) return reply.ack as T;
    throw this.rejected(reply, packet.pattern);
  }

  private async open(): Promise<NatsConnection> {
    let connection: NatsConnection;
    try {
      connection = await natsConnect({
        name: `cohort-client-${this.group}`,
        ...this.natsOptions,
        servers: this.servers,
      });
    } catch (cause) {
      throw new NatsConnectError(this.servers, cause);
    }
    this.connection = connection;
    this._status$.next(CohortStatus.connected);
    void this.followStatus(connection);
    return connection;
  }

  private async followStatus(connection: NatsConnection): Promise<void> {
    for await (const s of connection.status()) {
      if (s.type === 'disconnect') this._status$.next(CohortStatus.disconnected);
      else if (s.type === 'reconnect') this._status$.next(CohortStatus.connected);
    }
  }

  /** One packet, one answer: a NATS request to the group's ingress, where one member takes it. */
  private async exchange(packet: { pattern: unknown; data: unknown; id?: string }): Promise<IngressReply> {
    const pattern = checkPattern(this.group, packet.pattern);
    const connection = await this.connect();
    return new Promise<IngressReply>((resolve, reject) => {
      const fail = (error: Error) => {
        this.pending.delete(fail);
        reject(error);
      };
      this.pending.add(fail);
      connection
        .request(this.subject, encodePacket({ ...packet, pattern }), { timeout: this.timeoutMs })
        .then(
          (msg) => {
            const reply = decodeReply(msg.data);
            if (reply !== undefined) return resolve(reply);
            fail(
              new IngressRejectedError('InvalidReply', 'the answer is not a Cohort ingress reply', {
                group: this.group,
                pattern,
              }),
            );
          },
          (error: unknown) => fail(this.requestFailed(error, pattern)),
        )
        .finally(() => this.pending.delete(fail));
    });
  }

  private requestFailed(error: unknown, pattern: string): Error {
    const fields = { group: this.group, pattern, cause: error };
    if (error instanceof TimeoutError) return new RequestTimeoutError(this.timeoutMs, fields);
    if (error instanceof RequestError && error.isNoResponders()) return new NoMembersError(fields);
    return error instanceof Error ? error : new Error(describe(error));
  }

  private rejected(reply: IngressReply, pattern: string): Error {
    const { name, message } =
      'failure' in reply ? reply.failure : { name: 'InvalidReply', message: 'unexpected answer' };
    return new IngressRejectedError(name, message, { group: this.group, pattern });
  }
}

/**
 * A request's answer as Nest's observer takes it: every value (`undefined` too: a void handler's
 * answer is one `undefined`), then completion or the handler's error.
 */
function deliverResponses(
  reply: Extract<IngressReply, { responses: unknown }>,
  callback: (packet: WritePacket) => void,
): void {
  for (const r of reply.responses) callback({ response: r.value });
  callback('err' in reply ? { err: reply.err } : { isDisposed: true });
}
