import { Logger } from '@nestjs/common';
import { Server } from '@nestjs/microservices';
import type { CustomTransportStrategy, MessageHandler } from '@nestjs/microservices';
import type { Msg, Subscription as NatsSubscription } from '@nats-io/transport-node';
import { ConfigurationError, DropCounters, GroupClosedError, Subjects, connect } from '@cohort/nats';
import type { Delivery, Group, GroupStatus, MeshStatus, NatsCohortNode, View } from '@cohort/nats';
import type { Subscription } from 'rxjs';
import { NoHandlerError, describe } from './errors.js';
import type { InvalidPacketError } from './errors.js';
import type { IngressPacket, IngressReply } from './ingress-wire.js';
import { decodePacket, encodeReply } from './ingress-wire.js';
import type { Outcome } from './own-results.js';
import { PatternQueue } from './pattern-queue.js';
import type { CohortServerGroupOptions, CohortServerOptions, ResolvedServerOptions } from './server-options.js';
import { resolveServerOptions } from './server-options.js';
import { COHORT_TRANSPORT, CohortStatus } from './transport-id.js';

/** Events of `server.on(event, callback)` (and of `app.on` on the microservice). */
export type CohortServerEvents = {
  /** Every view of every group, once the handlers of the deliveries before it ran. */
  view: (view: View) => void;
  /** A group's status: joining, member, flushing, left. */
  status: (status: GroupStatus, group: string) => void;
  /** The node's mesh status: joining, member, blocked, removed, left. */
  mesh: (status: MeshStatus) => void;
  /** Handler failures, dropped packets, and group errors that do not end the membership. */
  error: (error: Error) => void;
};

interface Membership {
  readonly group: Group<unknown>;
  readonly queue: PatternQueue;
}

// A NATS queue group per ingress subject: each packet goes to one listening member.
const INGRESS_QUEUE = 'cohort';
// close() lets packets that are being handled finish (their answer needs the group) this long at most.
const CLOSE_WAIT_MS = 5_000;

/**
 * The Cohort microservice transporter: `createMicroservice(AppModule, { strategy: new CohortServer(options) })`.
 * `@EventPattern` and `@MessagePattern` handlers receive the ordered deliveries of the server's
 * groups (the delivery type is the pattern), and packets a CohortClient sends into a group are
 * multicast by the member that takes them. See docs/design/transport.md.
 */
export class CohortServer extends Server<CohortServerEvents, CohortStatus> implements CustomTransportStrategy {
  override transportId = COHORT_TRANSPORT;
  // The handlers' streams are awaited and their failures reported here, not left to Nest's logger.
  override readonly propagatesEventHandlerErrors = true;
  protected override readonly logger = new Logger(CohortServer.name);
  /** Dropped packets and unhandled deliveries, by reason. */
  readonly stats = new DropCounters();
  private readonly options: ResolvedServerOptions;
  private readonly subjects: Subjects;
  private readonly listeners = new Map<keyof CohortServerEvents, Set<(...args: never[]) => void>>();
  private readonly memberships = new Map<string, Membership>();
  private readonly ingress: NatsSubscription[] = [];
  private readonly subscriptions: Subscription[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private node: NatsCohortNode | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: CohortServerOptions) {
    super();
    this.options = resolveServerOptions(options);
    this.subjects = new Subjects(this.options.connect.namespace);
  }

  /** Connects, joins every group (listening from the first view on), then takes packets from outside. */
  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.checkPatterns();
      const node = await connect({ logger: new Logger('Cohort'), ...this.options.connect });
      this.node = node;
      this.subscriptions.push(
        node.meshStatus$.subscribe((status) => {
          this._status$.next(status === 'member' ? CohortStatus.connected : CohortStatus.disconnected);
          this.emit('mesh', status);
        }),
      );
      await Promise.all([...this.options.groups].map(([name, options]) => this.join(node, name, options)));
      for (const name of this.memberships.keys()) this.listenIngress(node, name);
    } catch (error) {
      await this.close().catch((e: unknown) => this.logger.error(`closing after a failed start: ${describe(e)}`));
      callback(error);
      return;
    }
    callback();
  }

  /**
   * Stops taking packets, lets those being handled finish, then leaves every group through a
   * view change (the others see this member in `left`, not `failed`) and drains the connection.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  on<
    K extends keyof CohortServerEvents = keyof CohortServerEvents,
    C extends CohortServerEvents[K] = CohortServerEvents[K],
  >(event: K, callback: C): void {
    let set = this.listeners.get(event);
    if (set === undefined) this.listeners.set(event, (set = new Set()));
    set.add(callback as (...args: never[]) => void);
  }

  /** The Cohort node (a NatsCohortNode: `.id`, `.connection`, `.meshView`, ...), once listening. */
  unwrap<T = NatsCohortNode>(): T {
    if (this.node === undefined)
      throw new Error('CohortServer: not listening; unwrap() works between listen() and close()');
    return this.node as T;
  }

  /**
   * The handle of a joined group, to multicast from a handler or read its view. Its multicast()
   * resolves once delivered locally, not once handlers ran: awaiting it inside a handler of the
   * same group is fine (the delivery runs after the current handler).
   */
  group(name: string): Group<unknown> {
    const m = this.memberships.get(name);
    if (m !== undefined) return m.group;
    if (this.options.groups.has(name)) {
      throw new GroupClosedError({ group: name, reason: 'not joined yet: listen() joins the groups' });
    }
    throw new ConfigurationError(
      'group',
      `${JSON.stringify(name)} is not a group of this CohortServer; its groups are ${[...this.options.groups.keys()].join(', ')}`,
    );
  }

  private async join(node: NatsCohortNode, name: string, options: CohortServerGroupOptions): Promise<void> {
    const queue = new PatternQueue(name, {
      handlerFor: (group, type) => this.handlerFor(group, type),
      get self() {
        return node.id;
      },
      installed: (view) => this.emit('view', view),
      failed: (error) => {
        this.logger.error(error.message);
        this.emit('error', error);
      },
      unhandled: (d) => this.unhandled(d),
    });
    const group = await node.join<unknown>(name, {
      // Subscribed before the join starts: the handlers see the first view and every delivery.
      attach: (handle) => {
        queue.attach(handle);
        this.subscriptions.push(
          handle.status$.subscribe((status) => this.emit('status', status, name)),
          // Already logged by the node (a payload the codec cannot decode, a failed snapshot).
          handle.errors$.subscribe((error) => this.emit('error', error)),
        );
      },
      ...(options.ordering === undefined ? {} : { ordering: options.ordering }),
      ...(options.delivery === undefined ? {} : { delivery: options.delivery }),
      ...(options.codec === undefined ? {} : { codec: options.codec }),
      ...(options.state === undefined ? {} : { state: queue.state(options.state) }),
      ...(options.joinTimeoutMs === undefined ? {} : { timeoutMs: options.joinTimeoutMs }),
    });
    this.memberships.set(name, { group, queue });
    this.logger.log(
      `joined group ${name} as ${node.id} in view ${group.view.id} (${group.view.members.length} members)`,
    );
  }

  /**
   * The routing rule: a delivery of type t in group g goes to the handler of `{ group: g, type: t }`,
   * else to that of the string pattern t; an untyped one to that of `{ group: g }`.
   */
  private handlerFor(group: string, type: string | undefined): MessageHandler | undefined {
    if (type === undefined) return this.messageHandlers.get(this.normalizePattern({ group }));
    return this.messageHandlers.get(this.normalizePattern({ group, type })) ?? this.messageHandlers.get(type);
  }

  /** An object pattern naming a group must name one of this server's, with only `group` and `type`. */
  private checkPatterns(): void {
    for (const route of this.messageHandlers.keys()) {
      let pattern: unknown;
      try {
        pattern = JSON.parse(route);
      } catch {
        continue;
      }
      if (pattern === null || typeof pattern !== 'object' || !('group' in pattern)) continue;
      const { group, ...rest } = pattern as { group: unknown; type?: unknown };
      const extra = Object.keys(rest).filter((k) => k !== 'type');
      if (typeof group !== 'string' || !this.options.groups.has(group) || extra.length > 0) {
        throw new ConfigurationError(
          `pattern ${route}`,
          `an object pattern is { group, type? } with group one of ${[...this.options.groups.keys()].join(', ')} (the groups of this CohortServer)`,
        );
      }
    }
  }

  private listenIngress(node: NatsCohortNode, name: string): void {
    this.ingress.push(
      node.connection.subscribe(this.subjects.ingress(name), {
        queue: INGRESS_QUEUE,
        callback: (err, msg) => {
          if (err !== null) {
            this.logger.warn(`ingress of group ${name}: ${err.message}`);
            return;
          }
          const work = this.take(node, name, msg).finally(() => this.inFlight.delete(work));
          this.inFlight.add(work);
        },
      }),
    );
  }

  /** One packet from outside the group: an event to multicast, or a request to multicast and answer. */
  private async take(node: NatsCohortNode, name: string, msg: Msg): Promise<void> {
    const m = this.memberships.get(name)!;
    let packet: IngressPacket;
    try {
      packet = decodePacket(name, msg.data, node.maxMessageBytes);
    } catch (error) {
      const n = this.stats.add('invalid-packet');
      this.logger.warn(`${describe(error)} (${n} dropped so far)`);
      this.emit('error', error as InvalidPacketError);
      return this.respond(msg, failure(error));
    }
    try {
      if (packet.id === undefined) {
        const receipt = await m.group.multicast(packet.data, { type: packet.pattern });
        return this.respond(msg, { ack: { group: name, sender: node.id, ...receipt } });
      }
      return this.respond(msg, answer(await this.request(m, packet)));
    } catch (error) {
      return this.respond(msg, failure(error));
    }
  }

  /**
   * Every member runs the handler in delivery order; this member answers with the result of its
   * own delivery, found by the multicast's receipt. A `{ local: true }` handler answers here alone.
   */
  private async request(m: Membership, packet: IngressPacket): Promise<Outcome> {
    const handler = this.handlerFor(m.queue.group, packet.pattern);
    if (handler === undefined) throw new NoHandlerError({ group: m.queue.group, pattern: packet.pattern });
    if (handler.extras?.local === true) return m.queue.local(handler, packet.data, packet.pattern, m.group.view);
    m.queue.results.begin();
    try {
      const receipt = await m.group.multicast(packet.data, { type: packet.pattern });
      return await m.queue.results.claim(receipt, packet.pattern);
    } finally {
      m.queue.results.end();
    }
  }

  private respond(msg: Msg, reply: IngressReply): void {
    if (msg.reply === undefined) return;
    try {
      msg.respond(encodeReply(reply));
    } catch (error) {
      // An answer that cannot be encoded or published (too large, connection closing) becomes a failure.
      if ('failure' in reply) {
        this.logger.warn(`answering on ${msg.reply} failed: ${describe(error)}`);
        return;
      }
      this.respond(msg, failure(error));
    }
  }

  private unhandled(d: Delivery<unknown>): void {
    const n = this.stats.add('no-handler');
    this.logger.debug(
      `group ${d.group}: no handler takes ${d.type === undefined ? 'an untyped delivery' : `'${d.type}'`} (${d.sender}#${d.seq} in view ${d.viewId}; ${n} so far)`,
    );
  }

  private emit<K extends keyof CohortServerEvents>(event: K, ...args: Parameters<CohortServerEvents[K]>): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        (listener as unknown as (...a: Parameters<CohortServerEvents[K]>) => void)(...args);
      } catch (error) {
        this.logger.error(`a '${event}' listener failed: ${describe(error)}`);
      }
    }
  }

  private async shutdown(): Promise<void> {
    for (const sub of this.ingress.splice(0)) sub.unsubscribe();
    const node = this.node;
    if (node === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(this.inFlight),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS))),
    ]);
    clearTimeout(timer);
    await node.close();
    // Deliveries made before the leave still reach their handlers before Nest tears the app down.
    await Promise.allSettled([...this.memberships.values()].map((m) => m.queue.idle()));
    for (const m of this.memberships.values()) m.queue.close('the CohortServer closed');
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this._status$.next(CohortStatus.disconnected);
    this.node = undefined;
  }
}

function answer(outcome: Outcome): IngressReply {
  const responses = outcome.values.map((value) => (value === undefined ? {} : { value }));
  if (!('err' in outcome)) return { responses };
  // Nest's exception filters make plain objects ({ status, message }); an Error would lose its fields in JSON.
  const { err } = outcome;
  return { responses, err: err instanceof Error ? { status: 'error', name: err.name, message: err.message } : err };
}

function failure(error: unknown): IngressReply {
  return { failure: { name: (error as Error)?.name ?? 'Error', message: describe(error) } };
}
