import { describe, expect, it } from '@jest/globals';
import { decodeBundle, encodeBundle, isBundle } from './bundle.js';
import { decodeFrame, encodeFrame } from './codec.js';
import type { Frame } from './frame.js';
import { FrameDecodeError } from './frame-errors.js';

const h = { group: 'ledger', sender: 'node-a1', viewId: 7 };
const data = (seq: number): Frame => ({
  kind: 'data',
  ...h,
  origin: 'node-a1',
  seq,
  retransmit: false,
  type: seq % 2 === 0 ? 'even' : undefined,
  payload: new Uint8Array(seq).fill(seq),
});

function reason(bytes: Uint8Array, max = 1 << 20): string {
  try {
    decodeBundle(bytes, max);
  } catch (error) {
    expect(error).toBeInstanceOf(FrameDecodeError);
    return (error as FrameDecodeError).reason;
  }
  throw new Error('decodeBundle accepted a malformed bundle');
}

describe('bundle codec', () => {
  const frames = [1, 2, 3].map(data);
  const bundle = encodeBundle('ledger', 'node-a1', frames.map(encodeFrame));

  it('carries whole frames, each decoded as if it had come alone', () => {
    expect(isBundle(bundle)).toBe(true);
    expect(isBundle(encodeFrame(frames[0]!))).toBe(false);
    const decoded = decodeBundle(bundle, 1 << 20);
    expect(decoded).toMatchObject({ group: 'ledger', sender: 'node-a1' });
    expect(decoded.frames.map((f) => decodeFrame(f))).toEqual(frames);
  });

  it('rejects every truncation, a bundle of one, another version, and a bundle over the limit', () => {
    for (let len = 0; len < bundle.length; len++) {
      expect(['truncated', 'bad-length']).toContain(reason(bundle.subarray(0, len)));
    }
    expect(reason(encodeBundle('ledger', 'node-a1', [encodeFrame(frames[0]!)]))).toBe('invalid-field');
    const old = bundle.slice();
    old[1] = 3;
    expect(reason(old)).toBe('unsupported-version');
    expect(reason(bundle, bundle.length - 1)).toBe('oversized');
    expect(reason(encodeBundle('a.b', 'node-a1', frames.map(encodeFrame)))).toBe('invalid-field');
    const trailing = new Uint8Array(bundle.length + 1);
    trailing.set(bundle);
    expect(reason(trailing)).toBe('trailing-bytes');
  });

  it('never throws anything but FrameDecodeError on mutated bundles', () => {
    let state = 7;
    const rand = () => ((state = (state * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 2000; i++) {
      const b = bundle.slice();
      for (let k = 0; k < 1 + (i % 4); k++) b[rand() % b.length] = rand();
      try {
        for (const f of decodeBundle(b, 1 << 20).frames) decodeFrame(f);
      } catch (error) {
        expect(error).toBeInstanceOf(FrameDecodeError);
      }
    }
  });
});
