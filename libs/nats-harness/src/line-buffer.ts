import { realClearTimeout, realSetTimeout } from './wait.js';

export type LineMatcher = RegExp | ((line: string) => boolean);

function toPredicate(match: LineMatcher): (line: string) => boolean {
  if (typeof match === 'function') return match;
  return (line) => {
    // A /g or /y RegExp remembers lastIndex between test() calls; every line starts afresh.
    match.lastIndex = 0;
    return match.test(line);
  };
}

function describe(match: LineMatcher): string {
  return typeof match === 'function' ? 'the predicate' : String(match);
}

/**
 * Every line a stream produced so far, plus ways to wait for more: listeners, a wait for a
 * matching line, and async iteration from the first line to the end of the stream.
 */
export class LineBuffer implements AsyncIterable<string> {
  readonly #lines: string[] = [];
  readonly #lineListeners = new Set<(line: string) => void>();
  readonly #closeListeners = new Set<() => void>();
  #closed = false;

  get lines(): readonly string[] {
    return this.#lines;
  }

  get closed(): boolean {
    return this.#closed;
  }

  push(line: string): void {
    this.#lines.push(line);
    for (const listener of [...this.#lineListeners]) listener(line);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const listener of [...this.#closeListeners]) listener();
    this.#lineListeners.clear();
    this.#closeListeners.clear();
  }

  /** Calls `listener` for every future line; returns the unsubscribe function. */
  onLine(listener: (line: string) => void): () => void {
    if (this.#closed) return () => undefined;
    this.#lineListeners.add(listener);
    return () => this.#lineListeners.delete(listener);
  }

  onClose(listener: () => void): () => void {
    if (this.#closed) {
      listener();
      return () => undefined;
    }
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /**
   * The first line with index >= `from` that matches, whether it already arrived or arrives
   * later. Rejects when the stream ends without one or after `timeoutMs`; `context()` is
   * appended to the error message.
   */
  waitFor(match: LineMatcher, timeoutMs: number, from = 0, context: () => string = () => ''): Promise<string> {
    const test = toPredicate(match);
    return new Promise<string>((resolve, reject) => {
      const fail = (why: string): void => reject(new Error(`${why}${context()}`));
      try {
        for (let i = from; i < this.#lines.length; i++) {
          const line = this.#lines[i] as string;
          if (test(line)) return resolve(line);
        }
      } catch (error) {
        return reject(error);
      }
      if (this.#closed) return fail(`output ended without a line matching ${describe(match)}`);
      const cleanup = (): void => {
        realClearTimeout(timer);
        offLine();
        offClose();
      };
      const offLine = this.onLine((line) => {
        let matched: boolean;
        try {
          matched = test(line);
        } catch (error) {
          cleanup();
          return reject(error);
        }
        if (!matched) return;
        cleanup();
        resolve(line);
      });
      const offClose = this.onClose(() => {
        cleanup();
        fail(`output ended without a line matching ${describe(match)}`);
      });
      const timer = realSetTimeout(() => {
        cleanup();
        fail(`no line matching ${describe(match)} within ${timeoutMs} ms`);
      }, timeoutMs);
    });
  }

  /** Waits for the next line or the end of the stream, whichever comes first. */
  #nextEvent(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        offLine();
        offClose();
        resolve();
      };
      const offLine = this.onLine(done);
      const offClose = this.onClose(done);
    });
  }

  /** Every line from the first one, then new ones as they come, until the stream ends. */
  [Symbol.asyncIterator](): AsyncIterator<string> {
    let index = 0;
    return {
      next: async (): Promise<IteratorResult<string>> => {
        while (index >= this.#lines.length && !this.#closed) await this.#nextEvent();
        if (index < this.#lines.length) return { value: this.#lines[index++] as string, done: false };
        return { value: undefined, done: true };
      },
    };
  }
}
