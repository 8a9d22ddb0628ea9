import type { Subscriber } from 'rxjs';

/**
 * The hot half of a Subject, for the one value per delivery: rxjs' Subject.next (in the ES5
 * build Node resolves) allocates a closure, an iterator and its results for every value; this
 * calls each subscriber directly. As with a Subject, a subscriber added or removed while values
 * fan out takes part from the next value on, and one added after `complete` completes at once.
 */
export class FanOut<T> {
  private subscribers: readonly Subscriber<T>[] = [];
  private done = false;

  /** Adds a subscriber; returns its teardown. */
  add(subscriber: Subscriber<T>): () => void {
    if (this.done) {
      subscriber.complete();
      return () => {};
    }
    this.subscribers = [...this.subscribers, subscriber];
    return () => {
      this.subscribers = this.subscribers.filter((s) => s !== subscriber);
    };
  }

  next(value: T): void {
    for (const s of this.subscribers) s.next(value);
  }

  complete(): void {
    if (this.done) return;
    this.done = true;
    const subscribers = this.subscribers;
    this.subscribers = [];
    for (const s of subscribers) s.complete();
  }
}
