/**
 * The transport id of CohortServer: `@EventPattern('x', COHORT_TRANSPORT)` binds a handler to it
 * alone in a hybrid application (handlers without a transport are bound to every server).
 */
export const COHORT_TRANSPORT: unique symbol = Symbol('COHORT_TRANSPORT');

/** `status` of CohortServer (its node is a member of the mesh) and of CohortClient (its connection is up). */
export const CohortStatus = { connected: 'connected', disconnected: 'disconnected' } as const;
export type CohortStatus = (typeof CohortStatus)[keyof typeof CohortStatus];
