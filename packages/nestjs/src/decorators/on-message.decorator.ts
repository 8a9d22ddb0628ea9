import 'reflect-metadata';
import { ON_MESSAGE_METADATA } from '../constants.js';
import type { OnMessageMetadata } from '../interfaces.js';

/**
 * Handles deliveries of the member's group, in delivery order, one at a time: an async handler
 * is awaited before the next delivery. With `type`, only deliveries multicast with that type.
 * A provider in several groups names the group with `{ group }`.
 */
export function OnMessage(type?: string, options: { group?: string } = {}): MethodDecorator {
  return (_target, _key, descriptor) => {
    const meta: OnMessageMetadata = { ...(type === undefined ? {} : { type }), ...options };
    Reflect.defineMetadata(ON_MESSAGE_METADATA, meta, descriptor.value as object);
    return descriptor;
  };
}
