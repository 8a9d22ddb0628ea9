import { CohortError } from '@cohort/nats';

/** Which call of the application failed: a message or view handler, or the state hooks. */
export const HandlerKind = {
  message: 'message',
  view: 'view',
  stateRequest: 'state-request',
  stateTransfer: 'state-transfer',
} as const;
export type HandlerKind = (typeof HandlerKind)[keyof typeof HandlerKind];

/**
 * A handler threw (or its promise rejected). The delivery order goes on and the member stays in
 * the group, unless `maxConsecutiveHandlerFailures` is reached (see {@link HandlerFailuresExceededError}).
 */
export class HandlerError extends CohortError {
  constructor(
    /** `Class.method` of the handler. */
    readonly handler: string,
    readonly handlerKind: HandlerKind,
    fields: { group: string; viewId?: number; member?: string; seq?: number; cause: unknown },
  ) {
    super(
      `handler ${handler} of group ${fields.group} failed${fields.member === undefined ? '' : ` on ${fields.member}#${fields.seq} in view ${fields.viewId}`}: ${(fields.cause as Error)?.message ?? String(fields.cause)}`,
      fields,
    );
    this.seq = fields.seq;
  }

  readonly seq: number | undefined;
}

/**
 * Handlers failed `failures` times in a row, so this member left the group: its application state
 * can no longer be trusted to match the other members', and leaving makes that visible to them
 * (they see it as `left`) instead of letting it diverge silently.
 */
export class HandlerFailuresExceededError extends CohortError {
  constructor(
    readonly failures: number,
    fields: { group: string; viewId?: number; cause: unknown },
  ) {
    super(
      `group ${fields.group}: ${failures} consecutive handler failures (maxConsecutiveHandlerFailures); leaving the group`,
      fields,
    );
  }
}
