import type { LatencySummary } from './messages.js';
import { epochNow } from './scenario.js';

/** Offset of the send time (float64, epoch ms) in every payload; payloads are at least this big. */
export const STAMP_BYTES = 8;

/**
 * A fresh payload of `bytes` bytes whose first 8 bytes are the send time. Fresh, not reused:
 * Cohort keeps a multicast's bytes until the message is stable, so a reused buffer would be
 * overwritten under it.
 */
export function stampedPayload(bytes: number): Uint8Array {
  const payload = new Uint8Array(bytes);
  new DataView(payload.buffer).setFloat64(0, epochNow());
  return payload;
}

/** The send time a payload carries. */
export function stampOf(payload: Uint8Array): number {
  return new DataView(payload.buffer, payload.byteOffset, STAMP_BYTES).getFloat64(0);
}

/** Collects one latency sample per arrival (send → arrival, ms, clocks of one machine). */
export class LatencyRecorder {
  #samples: Float64Array;
  #count = 0;

  constructor(expected: number) {
    this.#samples = new Float64Array(Math.max(1, expected));
  }

  record(payload: Uint8Array): void {
    if (this.#count === this.#samples.length) {
      const grown = new Float64Array(this.#samples.length * 2);
      grown.set(this.#samples);
      this.#samples = grown;
    }
    this.#samples[this.#count++] = epochNow() - stampOf(payload);
  }

  summary(): LatencySummary | undefined {
    if (this.#count === 0) return undefined;
    const sorted = this.#samples.slice(0, this.#count).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    return { count: this.#count, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
  }
}

/** The `latency` field of a member's result, if anything arrived. */
export function withLatency(recorder: LatencyRecorder): { latency?: LatencySummary } {
  const summary = recorder.summary();
  return summary === undefined ? {} : { latency: summary };
}
