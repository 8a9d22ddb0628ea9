// Imported from node:timers rather than used as globals: a test that installs Jest's fake timers
// replaces the globals, and the harness's waits must keep running on real time.
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const TIMED_OUT: unique symbol = Symbol('timed out');

/** `promise`'s value, or TIMED_OUT if it has not settled within `ms` (the timer never lingers). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Settles like `promise`, holding the event loop open meanwhile. nats-server children are
 * unref'd so a forgotten server cannot keep a test run alive; waiting for one must still count.
 */
export function keepAlive<T>(promise: Promise<T>): Promise<T> {
  const timer = setInterval(() => undefined, 2 ** 30);
  return promise.finally(() => clearInterval(timer));
}

export { setTimeout as realSetTimeout, clearTimeout as realClearTimeout };

/** Polls `condition` until it holds; rejects with `what` after `timeoutMs`. For tests. */
export async function waitUntil(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await sleep(5);
  }
}
