import { describe, expect, it } from '@jest/globals';
import { Observable } from 'rxjs';
import { FanOut } from './fan-out.js';

function stream() {
  const fan = new FanOut<number>();
  const values$ = new Observable<number>((subscriber) => fan.add(subscriber));
  return { fan, values$ };
}

describe('FanOut', () => {
  it('hands every value to every subscriber, like a Subject', () => {
    const { fan, values$ } = stream();
    const a: number[] = [];
    const b: number[] = [];
    values$.subscribe((v) => a.push(v));
    fan.next(1);
    const sub = values$.subscribe((v) => b.push(v));
    fan.next(2);
    sub.unsubscribe();
    fan.next(3);
    expect(a).toEqual([1, 2, 3]);
    expect(b).toEqual([2]);
  });

  it('a subscriber added during a fan-out gets the next value on; one removed gets no more, as with a Subject', () => {
    const { fan, values$ } = stream();
    const seen: string[] = [];
    const others: Array<{ unsubscribe(): void }> = [];
    values$.subscribe((v) => {
      seen.push(`first ${v}`);
      if (v === 1) values$.subscribe((w) => seen.push(`late ${w}`));
      for (const o of others.splice(0)) o.unsubscribe();
    });
    others.push(values$.subscribe((v) => seen.push(`second ${v}`)));
    fan.next(1);
    fan.next(2);
    expect(seen).toEqual(['first 1', 'first 2', 'late 2']);
  });

  it('completes its subscribers, and completes later ones at once', () => {
    const { fan, values$ } = stream();
    const events: string[] = [];
    values$.subscribe({ next: (v) => events.push(`a ${v}`), complete: () => events.push('a done') });
    fan.complete();
    fan.next(9);
    values$.subscribe({ next: (v) => events.push(`b ${v}`), complete: () => events.push('b done') });
    expect(events).toEqual(['a done', 'b done']);
  });
});
