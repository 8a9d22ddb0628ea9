/** Counters of what a node dropped and why; exposed as `node.stats`. */
export class DropCounters {
  private readonly counts = new Map<string, number>();

  add(reason: string): number {
    const n = (this.counts.get(reason) ?? 0) + 1;
    this.counts.set(reason, n);
    return n;
  }

  get(reason: string): number {
    return this.counts.get(reason) ?? 0;
  }

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
