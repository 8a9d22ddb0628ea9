import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { CohortLogger, Transport, TransportMessage, TransportSubscription } from '@cohort/core';

/**
 * Transport over one NATS connection. The connection must be opened with `noEcho: true`: the
 * protocol handles its own frames locally and must not see them twice.
 */
export class NatsTransport implements Transport {
  private readonly subs = new Set<Subscription>();

  constructor(
    readonly connection: NatsConnection,
    private readonly logger: CohortLogger,
  ) {}

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
    void (async () => {
      for await (const status of this.connection.status()) {
        if (status.type === 'disconnect') listener(false);
        else if (status.type === 'reconnect') listener(true);
      }
    })();
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
