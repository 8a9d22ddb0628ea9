import type { OperatorFunction } from 'rxjs';
import { filter } from 'rxjs';
import type { Delivery } from './group.js';

/**
 * Keeps the deliveries multicast with `type` (`multicast(payload, { type })`), narrowed to the
 * payload type `U` the application associates with it: `messages$.pipe(ofType<Transfer>('transfer'))`.
 * The narrowing is the caller's claim; the codec does not check it.
 */
export function ofType<U, T = unknown>(type: string): OperatorFunction<Delivery<T>, Delivery<U>> {
  return filter((d: Delivery<T>): d is Delivery<T> & Delivery<U> => d.type === type) as OperatorFunction<
    Delivery<T>,
    Delivery<U>
  >;
}
