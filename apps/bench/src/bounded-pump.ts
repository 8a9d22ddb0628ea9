import { performance } from 'node:perf_hooks';

/** A run of sends with a bounded number unsettled at once. */
export interface Pump {
  /** Sends that succeeded so far. */
  readonly accepted: number;
  /** Resolves once every send settled, with the first failure if one failed; never rejects. */
  readonly settled: Promise<Error | undefined>;
}

/**
 * Calls `send` `count` times with at most `limit` calls unsettled at once, and, with `rate`, no
 * faster than `rate` calls per second (send i starts no earlier than i / rate s after the first).
 * Sends go on after a failure (the remaining ones usually fail the same way, quickly), so that the
 * pump always ends and reports what happened instead of leaving promises behind.
 */
export function boundedPump(
  count: number,
  limit: number,
  send: (index: number) => Promise<unknown>,
  rate?: number,
): Pump {
  let started = 0;
  let settledCount = 0;
  let accepted = 0;
  let error: Error | undefined;
  let waiting = false;
  const begin = performance.now();
  let finish: (error: Error | undefined) => void = () => undefined;
  const settled = new Promise<Error | undefined>((resolve) => (finish = resolve));
  const onSettled = (): void => {
    settledCount++;
    if (settledCount === count) finish(error);
    else fill();
  };
  const fill = (): void => {
    while (started < count && started - settledCount < limit) {
      if (rate !== undefined) {
        const due = begin + (started * 1000) / rate;
        const ahead = due - performance.now();
        if (ahead > 0) {
          if (!waiting) {
            waiting = true;
            setTimeout(() => {
              waiting = false;
              fill();
            }, ahead);
          }
          return;
        }
      }
      send(started++).then(
        () => {
          accepted++;
          onSettled();
        },
        (cause: unknown) => {
          error ??= cause instanceof Error ? cause : new Error(String(cause));
          onSettled();
        },
      );
    }
  };
  if (count === 0) finish(undefined);
  else fill();
  return {
    get accepted() {
      return accepted;
    },
    settled,
  };
}
