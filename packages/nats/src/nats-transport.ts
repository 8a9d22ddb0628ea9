import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { PermissionViolationError } from '@nats-io/transport-node';
import type { CohortLogger, Transport, TransportMessage, TransportSubscription } from '@cohort/core';

/** Refusals per subject are logged at the 1st, 10th, 100th, ...: a node retries, and heartbeats. */
function worthLogging(n: number): boolean {
  return Number.isInteger(Math.log10(n));
}

/**
 * Transport over one NATS connection. The connection must be opened with `noEcho: true`: the
 * protocol handles its own frames locally and must not see them twice.
 */
export class NatsTransport implements Transport {
  private readonly subs = new Set<Subscription>();
  private readonly listeners: ((up: boolean) => void)[] = [];
  /** Publishes the server refused, per subject. */
  private readonly refused = new Map<string, number>();

  constructor(
    readonly connection: NatsConnection,
    private readonly logger: CohortLogger,
  ) {
    void this.watchStatus();
  }

  /** Publishes the server refused for lack of permission, per subject. */
  get refusedPublishes(): ReadonlyMap<string, number> {
    return this.refused;
  }

  get maxPayload(): number {
    return this.connection.info?.max_payload ?? 1024 * 1024;
  }

  publish(subject: string, data: Uint8Array): void {
    this.connection.publish(subject, data);
  }

  subscribe(subject: string, onMessage: (msg: TransportMessage) => void): TransportSubscription {
    const sub = this.connection.subscribe(subject, {
      callback: (err, msg) => {
        if (err !== null) {
          this.logger.warn(`subscription ${subject}: ${err.message}`, 'Cohort');
          return;
        }
        onMessage({ subject: msg.subject, data: msg.data });
      },
    });
    this.subs.add(sub);
    return {
      unsubscribe: () => {
        this.subs.delete(sub);
        if (!sub.isClosed()) sub.unsubscribe();
      },
    };
  }

  onConnectionChange(listener: (up: boolean) => void): void {
    this.listeners.push(listener);
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.connection.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') {
        for (const listener of this.listeners) listener(status.type === 'reconnect');
      } else if (status.type === 'error' && status.error instanceof PermissionViolationError) {
        this.onPermissionViolation(status.error);
      }
    }
  }

  /**
   * The server dropped a publish (or a subscription) this user may not make. Without this line a
   * node with wrong permissions would only be a node whose joins time out.
   */
  private onPermissionViolation(error: PermissionViolationError): void {
    const n = (this.refused.get(error.subject) ?? 0) + 1;
    this.refused.set(error.subject, n);
    if (!worthLogging(n)) return;
    this.logger.warn(
      `the NATS server refused a ${error.operation} on ${error.subject} (${n} so far): this node's NATS user may ` +
        `not ${error.operation === 'publish' ? 'publish' : 'subscribe'} there. A Cohort node needs publish permission on the subjects that end with its name and ` +
        `subscribe permission on its namespace: see memberPermissions() and docs/design/security.md`,
      'Cohort',
    );
  }

  async flush(): Promise<void> {
    if (!this.connection.isClosed()) await this.connection.flush();
  }

  /** Drains: unsubscribes, processes what is pending, flushes what was published, disconnects. */
  async close(): Promise<void> {
    if (this.connection.isClosed() || this.connection.isDraining())
      return this.connection.closed().then(() => undefined);
    await this.connection.drain();
  }
}
