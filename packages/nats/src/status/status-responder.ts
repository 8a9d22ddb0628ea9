import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { CohortLogger, MemberId, NodeStatusReport } from '@cohort/core';
import { Subjects } from '@cohort/core';
import { encodeJson, encodeReportAnswer, errorAnswer, parseRequest } from './status-protocol.js';

/** What the responder reads from its node: the current id (it changes with an incarnation) and the report. */
export interface StatusSource {
  readonly id: MemberId;
  readonly principal: string;
  status(): NodeStatusReport;
}

/** The server's max_payload when the connection has not said (nats-server's default). */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/**
 * Answers status requests on `cohort.<ns>.status` (docs/design/status-protocol.md) with the node's
 * `status()` report. It holds no state of its own: every answer is read from the node when asked.
 * Requests without a reply subject are ignored; malformed ones are answered with an error object.
 */
export class StatusResponder {
  private readonly subscription: Subscription;

  constructor(
    private readonly connection: NatsConnection,
    namespace: string,
    private readonly node: StatusSource,
    private readonly logger: CohortLogger,
  ) {
    this.subscription = connection.subscribe(new Subjects(namespace).status(), {
      callback: (err, msg) => {
        if (err !== null) return this.logger.warn(`status subscription: ${err.message}`, 'Cohort');
        this.answer(msg);
      },
    });
  }

  /** Before the connection drains: an answer published during the drain would throw. */
  stop(): void {
    if (!this.subscription.isClosed()) this.subscription.unsubscribe();
  }

  private answer(msg: Msg): void {
    // Nowhere to answer: a plain publish on the subject, not a request.
    if (!msg.reply) return;
    const maxPayload = this.connection.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    const parsed = parseRequest(msg.data);
    const who = { id: this.node.id, name: this.node.principal };
    try {
      const bytes = parsed.ok
        ? encodeReportAnswer(this.node.status(), maxPayload)
        : encodeJson(errorAnswer(who, parsed.code, parsed.message));
      this.connection.publish(msg.reply, bytes);
    } catch (error) {
      // A closed or reconnecting connection: the asker counts this node as not answering.
      this.logger.warn(`status answer to ${msg.reply} failed: ${(error as Error).message}`, 'Cohort');
    }
  }
}
