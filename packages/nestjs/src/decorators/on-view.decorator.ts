import 'reflect-metadata';
import { ON_VIEW_METADATA } from '../constants.js';
import type { OnViewMetadata } from '../interfaces.js';

/** Called with every view the member installs, in order, serialized with its deliveries. */
export function OnView(options: { group?: string } = {}): MethodDecorator {
  return (_target, _key, descriptor) => {
    const meta: OnViewMetadata = { ...options };
    Reflect.defineMetadata(ON_VIEW_METADATA, meta, descriptor.value as object);
    return descriptor;
  };
}
