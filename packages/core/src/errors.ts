/**
 * Typed errors. Every condition a caller may want to handle has its own class with a stable
 * `name`, an optional `cause`, and the structured fields that locate it (group, view, member).
 */
export interface CohortErrorFields {
  readonly group?: string;
  readonly viewId?: number;
  readonly member?: string;
  readonly cause?: unknown;
}

export class CohortError extends Error {
  readonly group: string | undefined;
  readonly viewId: number | undefined;
  readonly member: string | undefined;

  constructor(message: string, fields: CohortErrorFields = {}) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = new.target.name;
    this.group = fields.group;
    this.viewId = fields.viewId;
    this.member = fields.member;
  }
}

/** A namespace, group or node name that cannot be used as one NATS subject token. */
export class InvalidNameError extends CohortError {
  constructor(
    readonly what: string,
    readonly value: string,
    reason: string,
  ) {
    super(`invalid ${what} ${JSON.stringify(value)}: ${reason}`);
  }
}

/** Options that cannot work together; the message says what to change. */
export class ConfigurationError extends CohortError {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`invalid Cohort configuration: ${option}: ${message}`);
  }
}

/** A multicast payload larger than maxMessageBytes. */
export class PayloadTooLargeError extends CohortError {
  constructor(
    readonly size: number,
    readonly limit: number,
    fields: CohortErrorFields,
  ) {
    super(`payload of ${size} bytes exceeds the ${limit}-byte limit of one multicast (maxMessageBytes)`, fields);
  }
}

/** A multicast's `type` that cannot be carried: it must be a string of 1 to 255 UTF-8 bytes. */
export class InvalidMessageTypeError extends CohortError {
  constructor(
    readonly type: unknown,
    fields: CohortErrorFields,
  ) {
    super(
      `multicast type ${JSON.stringify(type)?.slice(0, 80) ?? String(type)} is invalid: it must be a string of 1 to 255 UTF-8 bytes`,
      fields,
    );
  }
}

/** An operation on a group handle after it left (or was closed). */
export class GroupClosedError extends CohortError {
  constructor(fields: CohortErrorFields & { reason?: string }) {
    super(`group ${fields.group ?? ''} is closed${fields.reason ? `: ${fields.reason}` : ''}`, fields);
  }
}

/**
 * A multicast that was still queued when the primary mesh removed this node (a partition's
 * minority, a long pause): it was never sent. The node rejoins as a new incarnation; send again.
 */
export class MemberRemovedError extends CohortError {
  constructor(fields: CohortErrorFields) {
    super(
      `node ${fields.member ?? ''} was removed from the mesh before this multicast to ${fields.group ?? ''} went out; it was not sent (the node rejoins as a new incarnation: send it again)`,
      fields,
    );
  }
}

/**
 * A multicast that waited longer than flushTimeoutMs for a view change to end: it was not sent.
 * The flush is still waiting for `waitingFor` (members the failure detector has not removed yet).
 */
export class FlushTimeoutError extends CohortError {
  constructor(
    readonly timeoutMs: number,
    fields: CohortErrorFields,
  ) {
    super(
      `group ${fields.group ?? ''}: a view change blocked this multicast for more than flushTimeoutMs (${timeoutMs} ms) in view ${fields.viewId ?? '-'}; it was not sent (send it again)`,
      fields,
    );
  }
}

/** `join()` on a group this node already belongs to. */
export class AlreadyJoinedError extends CohortError {
  constructor(fields: CohortErrorFields) {
    super(`this node already joined group ${fields.group ?? ''}; use the existing handle`, fields);
  }
}

/** A join that did not reach a first view in time. */
export class JoinTimeoutError extends CohortError {
  constructor(
    readonly timeoutMs: number,
    fields: CohortErrorFields,
  ) {
    super(`group ${fields.group ?? ''}: no view installed within ${timeoutMs} ms of joining`, fields);
  }
}

/** An operation on a node after close(). */
export class NodeClosedError extends CohortError {
  constructor(fields: CohortErrorFields = {}) {
    super('the Cohort node is closed', fields);
  }
}
