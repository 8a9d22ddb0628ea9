import { performance } from 'node:perf_hooks';

/** How counting ended: everything arrived, or nothing new arrived for the idle timeout. */
export interface CountOutcome {
  readonly delivered: number;
  /** performance.now() of the last arrival (of the start, if nothing arrived). */
  readonly lastAt: number;
  readonly complete: boolean;
}

/**
 * Counts arrivals up to an expected total. The time of the last one is kept on every arrival, so
 * the measured interval ends at the delivery itself rather than at whenever a poll noticed it.
 */
export class DeliveryCounter {
  #delivered = 0;
  #lastAt: number;
  #finished: ((outcome: CountOutcome) => void) | undefined;

  constructor(readonly expected: number) {
    this.#lastAt = performance.now();
  }

  get delivered(): number {
    return this.#delivered;
  }

  /** Where the idle timeout counts from until the first arrival: the start of the measurement. */
  begin(at: number): void {
    this.#lastAt = at;
  }

  record(): void {
    this.#delivered++;
    this.#lastAt = performance.now();
    if (this.#delivered === this.expected) this.#finished?.(this.#outcome(true));
  }

  /** Resolves once `expected` arrived, or once `idleMs` passed without an arrival. */
  wait(idleMs: number): Promise<CountOutcome> {
    if (this.#delivered >= this.expected) return Promise.resolve(this.#outcome(true));
    return new Promise((resolve) => {
      const check = setInterval(
        () => {
          if (performance.now() - this.#lastAt < idleMs) return;
          finish(this.#outcome(false));
        },
        Math.min(idleMs, 100),
      );
      const finish = (outcome: CountOutcome): void => {
        clearInterval(check);
        this.#finished = undefined;
        resolve(outcome);
      };
      this.#finished = finish;
    });
  }

  #outcome(complete: boolean): CountOutcome {
    return { delivered: this.#delivered, lastAt: this.#lastAt, complete };
  }
}
