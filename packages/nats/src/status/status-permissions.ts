import { Subjects } from '@cohort/core';

/**
 * A nats-server user's `permissions` block for whoever asks a namespace for its status (`cohort
 * status`, gatherStatus()): publish the request, receive the answers on its inbox. Nothing else:
 * it can neither send into the protocol nor hear its traffic (docs/design/status-protocol.md).
 */
export interface StatusPermissions {
  readonly publish: { readonly allow: readonly string[] };
  readonly subscribe: { readonly allow: readonly string[] };
}

export function statusPermissions(namespace: string): StatusPermissions {
  return {
    publish: { allow: [new Subjects(namespace).status()] },
    // The client's default inbox prefix: answers come back on _INBOX.<random>.
    subscribe: { allow: ['_INBOX.>'] },
  };
}
