import { describe, expect, it } from '@jest/globals';
import { decodeBundle, isBundle } from '../wire/bundle.js';
import { Bundler } from './bundler.js';

function published(maxBytes = 1 << 20) {
  const out: Array<{ subject: string; frames: number[] }> = [];
  const bundler = new Bundler((subject, bytes) => {
    const frames = isBundle(bytes) ? decodeBundle(bytes, maxBytes).frames : [bytes];
    out.push({ subject, frames: frames.map((f) => f[0]!) });
  }, maxBytes);
  // A "frame" here is its first byte repeated: enough to follow it through a bundle.
  const add = (subject: string, id: number, size = 10) => bundler.add(subject, 'g', 'n', new Uint8Array(size).fill(id));
  return { bundler, out, add };
}

describe('Bundler', () => {
  it('publishes each run of frames on one subject as one bundle, in order, a lone frame as it is', () => {
    const { bundler, out, add } = published();
    add('s1', 1);
    add('s1', 2);
    add('s2', 3);
    add('s1', 4);
    add('s1', 5);
    expect(bundler.pending).toBe(true);
    bundler.flush();
    expect(bundler.pending).toBe(false);
    bundler.flush();
    expect(out).toEqual([
      { subject: 's1', frames: [1, 2] },
      { subject: 's2', frames: [3] },
      { subject: 's1', frames: [4, 5] },
    ]);
  });

  it('never exceeds the bus limit, and sends a frame too large to share a message alone', () => {
    const { bundler, out, add } = published(2000);
    for (let id = 1; id <= 6; id++) add('s', id, 300);
    add('s', 7, 900);
    bundler.flush();
    expect(out.map((o) => o.frames)).toEqual([[1, 2, 3, 4], [5, 6], [7]]);
  });
});
