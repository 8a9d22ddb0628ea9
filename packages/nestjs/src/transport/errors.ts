import type { CohortErrorFields } from '@cohort/nats';
import { CohortError } from '@cohort/nats';

/** Where a transport error happened: the group and the packet's pattern (its delivery type). */
export interface TransportErrorFields extends CohortErrorFields {
  readonly group: string;
  readonly pattern?: string;
}

abstract class TransportError extends CohortError {
  readonly pattern: string | undefined;

  constructor(message: string, fields: TransportErrorFields) {
    super(message, fields);
    this.pattern = fields.pattern;
  }
}

/**
 * A packet for a group's ingress that cannot be taken: not JSON, no pattern, a pattern that is
 * not a delivery type (an object, an empty or over-long string), or too large to multicast.
 * The member drops it; the client sees it as an {@link IngressRejectedError}.
 */
export class InvalidPacketError extends TransportError {
  constructor(
    readonly reason: string,
    fields: TransportErrorFields,
  ) {
    super(
      `group ${fields.group}: invalid packet${fields.pattern === undefined ? '' : ` '${fields.pattern}'`}: ${reason}`,
      fields,
    );
  }
}

/**
 * A request whose pattern no handler of the member that took it takes (replicated requests need
 * the entry member's handler: its result is the answer). The request was not multicast.
 */
export class NoHandlerError extends TransportError {
  constructor(fields: TransportErrorFields) {
    super(
      `group ${fields.group}: no @MessagePattern handler takes '${fields.pattern ?? ''}' at the member that took it`,
      fields,
    );
  }
}

/** No member of the group takes packets from outside: no CohortServer of it is listening. */
export class NoMembersError extends TransportError {
  constructor(fields: TransportErrorFields) {
    super(
      `group ${fields.group}: no member took '${fields.pattern ?? ''}': no CohortServer of the group is listening (NATS reported no responders)`,
      fields,
    );
  }
}

/**
 * No answer within `timeoutMs`. The outcome is unknown: the member that took the packet may have
 * multicast it (it may then be delivered) or may have crashed before it did.
 */
export class RequestTimeoutError extends TransportError {
  constructor(
    readonly timeoutMs: number,
    fields: TransportErrorFields,
  ) {
    super(
      `group ${fields.group}: no answer to '${fields.pattern ?? ''}' within ${timeoutMs} ms (timeoutMs); it may or may not have been delivered`,
      fields,
    );
  }
}

/**
 * The member that took the packet could not put it into the group. `reason` is the name of the
 * error it reported there (InvalidPacketError, PayloadTooLargeError, GroupClosedError,
 * FlushTimeoutError, ...), `remoteMessage` its message.
 */
export class IngressRejectedError extends TransportError {
  constructor(
    readonly reason: string,
    readonly remoteMessage: string,
    fields: TransportErrorFields,
  ) {
    super(
      `group ${fields.group}: '${fields.pattern ?? ''}' was rejected by the member that took it: ${remoteMessage}`,
      fields,
    );
  }
}

/** The client was closed while the packet waited for its answer; the outcome is unknown. */
export class ClientClosedError extends TransportError {
  constructor(fields: TransportErrorFields) {
    super(`group ${fields.group}: the client was closed before '${fields.pattern ?? ''}' was answered`, fields);
  }
}

/**
 * A handler of the transporter failed on a delivery (or a local read). The group goes on: the
 * next delivery's handler runs, and the member stays in the group.
 */
export class PatternHandlerError extends TransportError {
  constructor(
    readonly seq: number,
    fields: TransportErrorFields & { readonly viewId: number; readonly member: string },
  ) {
    super(
      `group ${fields.group}: the handler of '${fields.pattern ?? ''}' failed on ${fields.member}#${seq} in view ${fields.viewId}: ${describe(fields.cause)}`,
      fields,
    );
  }
}

/**
 * The result of a request's own delivery is no longer kept (the member keeps a bounded number of
 * them, see docs/design/transport.md). The request was delivered; its answer is lost.
 */
export class ResultUnavailableError extends TransportError {
  constructor(
    readonly seq: number,
    fields: TransportErrorFields & { readonly viewId: number },
  ) {
    super(`group ${fields.group}: the handler result of seq ${seq} in view ${fields.viewId} is no longer kept`, fields);
  }
}

/** An error's message, or the Nest RPC error object's (`{ status, message }`), or its text. */
export function describe(error: unknown): string {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : String(error);
}
