import type { GroupOutput, RejectReason } from './messages.js';
import type { OutgoingMulticast, ViewChannel } from './view-channel.js';

/** What the outgoing queue needs from its group machine. */
export interface SendQueuePort {
  /** Largest multicast accepted at all. */
  readonly maxMessageBytes: number;
  /** How long a view change may hold a multicast back. */
  readonly flushTimeoutMs: number;
  /**
   * The installed view's channel while this member may send on it: a member, not flushing, not
   * waiting for the group's state, not handing over, not blocked. Undefined otherwise.
   */
  openChannel(): ViewChannel | undefined;
  output(output: GroupOutput): void;
}

/**
 * The multicasts the application asked for and this member has not sent yet, in order. They go
 * out whenever the view is open and the sender window has room; a view change (or a full window,
 * or a joiner still waiting for state) holds them back, a view change for at most flushTimeoutMs
 * (DESIGN §5.4), after which they are refused (nothing of them was sent). Every refusal of a
 * multicast request, queued or not, is answered here.
 */
export class SendQueue {
  private readonly queue: OutgoingMulticast[] = [];

  constructor(private readonly port: SendQueuePort) {}

  get length(): number {
    return this.queue.length;
  }

  /** A multicast request of the application: queued and sent as soon as possible, or refused if too large. */
  add(req: Omit<OutgoingMulticast, 'queuedAt'> & { now: number }): void {
    if (req.payload.length > this.port.maxMessageBytes) return this.refuse(req.requestId, 'too-large');
    this.queue.push({ requestId: req.requestId, payload: req.payload, type: req.type, queuedAt: req.now });
    this.pump();
  }

  /** Sends queued multicasts while the view is open and the window has room. */
  pump(): void {
    const channel = this.port.openChannel();
    if (channel === undefined) return;
    do {
      while (this.queue.length > 0 && channel.hasRoom(this.queue[0]!.payload.length)) channel.send(this.queue.shift()!);
      // Alone in the view, own messages are stable as soon as they are sent.
    } while (this.queue.length > 0 && channel.view.members.length === 1 && channel.stabilize());
  }

  /**
   * Refuses multicasts a view change has held back for longer than flushTimeoutMs: those queued
   * that long, once sending has stopped that long (since `stoppedAt`) for the change under way.
   * Without a view change (`stoppedAt` undefined) nothing expires: a full window waits for stability.
   */
  expire(now: number, stoppedAt: number | undefined): void {
    if (stoppedAt === undefined) return;
    const limit = this.port.flushTimeoutMs;
    while (this.queue.length > 0 && now - this.queue[0]!.queuedAt > limit && now - stoppedAt > limit) {
      this.refuse(this.queue.shift()!.requestId, 'flush-timeout');
    }
  }

  refuse(requestId: number, reason: RejectReason): void {
    this.port.output({ kind: 'rejected', requestId, reason });
  }

  /** Refuses everything still queued: this member will send no more in the group. */
  refuseAll(reason: RejectReason): void {
    for (const req of this.queue.splice(0)) this.refuse(req.requestId, reason);
  }
}
