/**
 * Small byte arrays cut out of shared slabs: a typed array of more than a few dozen bytes of its
 * own costs a backing-store allocation (about 0.7 µs), a view into a slab a tenth of that. A slab
 * lives as long as any array cut from it does, as with Node's Buffer pool; arrays larger than
 * `maxItem` get memory of their own.
 */
export class Slab {
  private slab: ArrayBuffer;
  private used = 0;

  constructor(
    private readonly bytes: number,
    private readonly maxItem: number,
  ) {
    this.slab = new ArrayBuffer(bytes);
  }

  allocate(n: number): Uint8Array {
    if (n > this.maxItem) return new Uint8Array(n);
    if (this.used + n > this.bytes) {
      this.slab = new ArrayBuffer(this.bytes);
      this.used = 0;
    }
    const out = new Uint8Array(this.slab, this.used, n);
    // Aligned, so that a reader may put a DataView or a wider typed array on it.
    this.used += (n + 7) & ~7;
    return out;
  }
}
