/** Something to happen at a virtual time. `label` names it in traces and stats. */
export interface ScheduledEvent {
  readonly at: number;
  readonly seq: number;
  readonly label: string;
  readonly run: () => void;
}

/**
 * Virtual time and the agenda of a run. Events fire in (time, insertion order): two events at the
 * same virtual millisecond keep the order in which they were scheduled, which is what makes a run a
 * pure function of its seed. Time only moves when an event fires; nothing waits on a real clock.
 */
export class SimClock {
  private heap: ScheduledEvent[] = [];
  private seq = 0;
  private time = 0;
  private fired = 0;

  get now(): number {
    return this.time;
  }

  /** Events fired so far. */
  get events(): number {
    return this.fired;
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Schedules `run` at absolute virtual time `at` (never in the past). */
  at(at: number, label: string, run: () => void): void {
    this.push({ at: Math.max(at, this.time), seq: this.seq++, label, run });
  }

  /** Schedules `run` `delay` virtual milliseconds from now. */
  after(delay: number, label: string, run: () => void): void {
    this.at(this.time + Math.max(0, delay), label, run);
  }

  /** Fires the next event, if any, and returns it. */
  step(): ScheduledEvent | undefined {
    const event = this.pop();
    if (event === undefined) return undefined;
    this.time = event.at;
    this.fired++;
    event.run();
    return event;
  }

  /**
   * Fires every event due up to and including `until`, then sets the clock to `until`. Stops early,
   * returning false, once `stop()` holds after an event.
   */
  runUntil(until: number, stop?: () => boolean): boolean {
    for (let next = this.heap[0]; next !== undefined && next.at <= until; next = this.heap[0]) {
      this.step();
      if (stop?.()) return false;
    }
    this.time = Math.max(this.time, until);
    return true;
  }

  private push(event: ScheduledEvent): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(event, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = event;
  }

  private pop(): ScheduledEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before(x: ScheduledEvent, y: ScheduledEvent): boolean {
  return x.at < y.at || (x.at === y.at && x.seq < y.seq);
}
