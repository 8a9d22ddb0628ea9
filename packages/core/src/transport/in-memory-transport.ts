import { subjectMatches } from './subject-match.js';
import type { Transport, TransportMessage, TransportSubscription } from './transport.js';

interface Sub {
  readonly pattern: string;
  readonly conn: InMemoryTransport;
  readonly onMessage: (msg: TransportMessage) => void;
}

/**
 * An in-process message bus with NATS semantics: subject routing with wildcards, per-publisher
 * FIFO, asynchronous delivery (never inside `publish`), no echo to the publishing connection,
 * and a max payload. For tests and single-process use; it loses nothing by itself.
 */
export class InMemoryNetwork {
  private readonly subs = new Set<Sub>();
  private readonly queue: Array<() => void> = [];
  private scheduled = false;

  constructor(readonly maxPayload = 1024 * 1024) {}

  connect(): InMemoryTransport {
    return new InMemoryTransport(this);
  }

  /** @internal */
  add(sub: Sub): void {
    this.subs.add(sub);
  }

  /** @internal */
  remove(sub: Sub): void {
    this.subs.delete(sub);
  }

  /** @internal */
  route(from: InMemoryTransport, subject: string, data: Uint8Array): void {
    for (const sub of this.subs) {
      if (sub.conn === from || !subjectMatches(sub.pattern, subject)) continue;
      const copy = data.slice();
      this.queue.push(() => {
        if (this.subs.has(sub)) sub.onMessage({ subject, data: copy });
      });
    }
    this.schedule();
  }

  /** Resolves once every message published so far was handed to its subscribers. */
  async settle(): Promise<void> {
    while (this.queue.length > 0 || this.scheduled) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (let job = this.queue.shift(); job !== undefined; job = this.queue.shift()) job();
    });
  }
}

export class InMemoryTransport implements Transport {
  private readonly mine = new Set<Sub>();
  private closed = false;

  constructor(private readonly network: InMemoryNetwork) {}

  get maxPayload(): number {
    return this.network.maxPayload;
  }

  publish(subject: string, data: Uint8Array): void {
    if (this.closed) throw new Error('in-memory transport is closed');
    if (data.length > this.network.maxPayload) {
      throw new RangeError(`message of ${data.length} bytes exceeds max payload ${this.network.maxPayload}`);
    }
    this.network.route(this, subject, data);
  }

  subscribe(subject: string, onMessage: (msg: TransportMessage) => void): TransportSubscription {
    if (this.closed) throw new Error('in-memory transport is closed');
    const sub: Sub = { pattern: subject, conn: this, onMessage };
    this.network.add(sub);
    this.mine.add(sub);
    return {
      unsubscribe: () => {
        this.network.remove(sub);
        this.mine.delete(sub);
      },
    };
  }

  async flush(): Promise<void> {
    await this.network.settle();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    for (const sub of this.mine) this.network.remove(sub);
    this.mine.clear();
    this.closed = true;
  }
}
