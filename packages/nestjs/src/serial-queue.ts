/**
 * One promise chain: work runs one item at a time, in the order it was enqueued, each awaited
 * before the next. A failing item does not stop the chain; its caller sees the failure.
 */
export class SerialQueue {
  private chain: Promise<void> = Promise.resolve();

  enqueue<R>(work: () => Promise<R>): Promise<R> {
    const done = this.chain.then(work);
    this.chain = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  }

  /** Resolves once everything enqueued so far ran. */
  idle(): Promise<void> {
    return this.chain;
  }
}
