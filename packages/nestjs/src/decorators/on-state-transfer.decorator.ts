import 'reflect-metadata';
import { ON_STATE_TRANSFER_METADATA } from '../constants.js';
import type { StateHandlerMetadata } from '../interfaces.js';

/**
 * Receives the state an older member took with `@OnStateRequest`, once, when this member joins
 * a group that already has members. It runs before any `@OnView` or `@OnMessage` call of the
 * group; an async method is awaited before them. Needs an `@OnStateRequest` method for the same group.
 */
export function OnStateTransfer(options: { group?: string } = {}): MethodDecorator {
  return (_target, _key, descriptor) => {
    const meta: StateHandlerMetadata = { ...options };
    Reflect.defineMetadata(ON_STATE_TRANSFER_METADATA, meta, descriptor.value as object);
    return descriptor;
  };
}
