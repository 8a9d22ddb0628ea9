import 'reflect-metadata';
import { ON_STATE_REQUEST_METADATA } from '../constants.js';
import type { StateHandlerMetadata } from '../interfaces.js';

/**
 * Returns the member's application state (or a promise of it) for the members joining the group.
 * Called on the oldest member only, in the group's handler queue: after the handlers ran for every
 * delivery of the previous view and before any of the new one, so the state is exactly the one
 * the joiners' first deliveries build on. Needs an `@OnStateTransfer` method for the same group.
 */
export function OnStateRequest(options: { group?: string } = {}): MethodDecorator {
  return (_target, _key, descriptor) => {
    const meta: StateHandlerMetadata = { ...options };
    Reflect.defineMetadata(ON_STATE_REQUEST_METADATA, meta, descriptor.value as object);
    return descriptor;
  };
}
