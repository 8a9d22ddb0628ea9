import { Subjects, validateName } from '@cohort/core';

/**
 * A nats-server user's `permissions` block for one Cohort node (docs/design/security.md): it may
 * publish only on the subjects that end with its name, and replies to requests (the Nest
 * transporter answers CohortClient requests); it may subscribe to the namespace. Written into the
 * server's configuration (the config format accepts this object as JSON) or an account's user JWT.
 */
export interface NatsPermissions {
  readonly publish: { readonly allow: readonly string[] };
  readonly subscribe: { readonly allow: readonly string[] };
  readonly allow_responses: boolean;
}

export function memberPermissions(namespace: string, name: string): NatsPermissions {
  validateName('node name', name);
  const subjects = new Subjects(namespace);
  return {
    publish: { allow: subjects.publishedBy(name) },
    subscribe: { allow: [`${subjects.prefix}.>`] },
    allow_responses: true,
  };
}
