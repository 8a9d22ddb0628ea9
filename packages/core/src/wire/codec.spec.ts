import { describe, expect, it } from '@jest/globals';
import { decodeFrame, encodeFrame } from './codec.js';
import type { Frame } from './frame.js';
import { FrameDecodeError } from './frame-errors.js';

const h = { group: 'ledger', sender: 'node-a1', viewId: 7 };
const view = {
  group: 'ledger',
  id: 8,
  members: ['node-a1', 'node-b2'],
  coordinator: 'node-a1',
  joined: ['node-b2'],
  left: [],
  failed: [],
};

const m = { group: '$mesh', sender: 'node-a1', viewId: 3 };
const meshView = { ...view, group: '$mesh', id: 4 };

const b = { n: 2, node: 'node-a1' };

const samples: Frame[] = [
  {
    kind: 'data',
    ...h,
    origin: 'node-a1',
    seq: 1,
    retransmit: false,
    type: undefined,
    payload: new Uint8Array([1, 2, 3]),
  },
  {
    kind: 'data',
    ...h,
    origin: 'node-b2',
    seq: 4_000_000_000,
    retransmit: true,
    type: 'transfer',
    payload: new Uint8Array(0),
  },
  {
    kind: 'data',
    ...h,
    origin: 'node-a1',
    seq: 7,
    retransmit: false,
    type: 'blob',
    payload: new Uint8Array([9, 9]),
    fragment: { index: 1, count: 3 },
  },
  {
    kind: 'nak',
    ...h,
    origin: 'node-b2',
    ranges: [
      [1, 3],
      [9, 9],
    ],
  },
  {
    kind: 'digest',
    ...h,
    entries: [
      { member: 'node-a1', seq: 10 },
      { member: 'node-b2', seq: 0 },
    ],
    ordered: 0,
  },
  { kind: 'digest', ...h, entries: [{ member: 'node-a1', seq: 4 }], ordered: 17 },
  {
    kind: 'data',
    ...h,
    origin: 'node-a1',
    seq: 8,
    retransmit: false,
    type: undefined,
    payload: new Uint8Array([1]),
    clock: [8, 0, 3],
  },
  {
    kind: 'order',
    ...h,
    first: 5,
    records: [
      { rank: 0, seq: 2 },
      { rank: 2, seq: 1 },
    ],
  },
  {
    kind: 'order-nak',
    ...h,
    ranges: [
      [5, 6],
      [9, 12],
    ],
  },
  { kind: 'state', ...h, index: 2, count: 3, bytes: new Uint8Array([1, 2, 3]) },
  { kind: 'state-req', ...h, next: 2 },
  { kind: 'join', ...h, viewId: 0, settings: { ordering: 'fifo', delivery: 'agreed', state: false } },
  { kind: 'join', ...h, viewId: 0, settings: { ordering: 'total', delivery: 'safe', state: true } },
  { kind: 'join-refused', ...h, settings: { ordering: 'causal', delivery: 'agreed', state: true } },
  { kind: 'leave', ...h },
  { kind: 'propose', ...h, ballot: b, view },
  {
    kind: 'flush-ok',
    ...h,
    proposedViewId: 8,
    ballot: b,
    sent: 12,
    received: [{ member: 'node-b2', seq: 3 }],
    ordered: 9,
    awaitingState: false,
    accepted: undefined,
  },
  {
    kind: 'flush-ok',
    ...h,
    proposedViewId: 8,
    ballot: { n: 3, node: 'node-b2' },
    sent: 0,
    received: [],
    ordered: 0,
    awaitingState: true,
    accepted: { ballot: b, view },
  },
  { kind: 'flush-nack', ...h, proposedViewId: 8, ballot: b },
  {
    kind: 'cut',
    ...h,
    proposedViewId: 8,
    ballot: b,
    cut: [{ member: 'node-a1', seq: 12, holder: 'node-b2' }],
    ordered: 0,
    orderHolder: '',
  },
  { kind: 'cut', ...h, proposedViewId: 8, ballot: b, cut: [], ordered: 31, orderHolder: 'node-b2' },
  { kind: 'cut-ok', ...h, proposedViewId: 8, ballot: b },
  { kind: 'install', ...h, ballot: b, view, stateFor: [] },
  { kind: 'install', ...h, ballot: b, view, stateFor: ['node-b2'] },
  { kind: 'install-ok', ...h },
  { kind: 'install-req', ...h },
  { kind: 'mhb', ...m },
  { kind: 'mjoin', ...m, viewId: 0 },
  { kind: 'mleave', ...m },
  { kind: 'mping', ...m },
  { kind: 'mpong', ...m },
  { kind: 'msync', ...m },
  { kind: 'mdirq', ...m, name: 'ledger' },
  { kind: 'mbeacon', ...m, founder: 'node-b2', size: 5 },
  { kind: 'mdira', ...m, name: 'ledger', grant: 0 },
  { kind: 'mdira', ...m, name: 'ledger', grant: 7 },
  { kind: 'mdirr', ...m, seq: 3, ack: 7, census: 2, groups: [{ group: 'ledger', viewId: 3, coordinator: 'node-b2' }] },
  { kind: 'mdirr', ...m, seq: 1, ack: 0, census: 0, groups: [] },
  { kind: 'mdirc', ...m, census: 4 },
  { kind: 'mprepare', ...m, instance: 4, ballot: { n: 2, node: 'node-b2' } },
  { kind: 'mpromise', ...m, instance: 4, ballot: { n: 2, node: 'node-b2' }, accepted: undefined },
  {
    kind: 'mpromise',
    ...m,
    instance: 4,
    ballot: { n: 3, node: 'node-a1' },
    accepted: { ballot: { n: 2, node: 'node-b2' }, view: meshView },
  },
  { kind: 'maccept', ...m, instance: 4, ballot: { n: 2, node: 'node-b2' }, view: meshView },
  { kind: 'maccepted', ...m, instance: 4, ballot: { n: 2, node: 'node-b2' } },
  { kind: 'mnack', ...m, instance: 4, ballot: { n: 9, node: 'node-a1' } },
  { kind: 'mnack', ...m, instance: 4, ballot: { n: 0, node: '' } },
  { kind: 'mcommit', ...m, founder: 'node-a1', view: meshView },
];

function reason(bytes: Uint8Array, max?: number): string {
  try {
    decodeFrame(bytes, max);
  } catch (error) {
    expect(error).toBeInstanceOf(FrameDecodeError);
    return (error as FrameDecodeError).reason;
  }
  throw new Error('decodeFrame accepted a malformed frame');
}

describe('frame codec', () => {
  it.each(samples.map((f) => [f.kind, f] as const))('round-trips %s', (_kind, frame) => {
    expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
  });

  it('rejects every truncation of every frame kind', () => {
    for (const frame of samples) {
      const bytes = encodeFrame(frame);
      for (let len = 0; len < bytes.length; len++) {
        expect(['truncated', 'bad-length', 'invalid-field']).toContain(reason(bytes.subarray(0, len)));
      }
    }
  });

  it('rejects a wrong magic byte, version, unknown kind and unknown flags', () => {
    const bytes = encodeFrame(samples[0]!);
    const patched = (i: number, v: number) => {
      const b = bytes.slice();
      b[i] = v;
      return b;
    };
    expect(reason(patched(0, 0x7b))).toBe('bad-magic');
    expect(reason(patched(1, 1))).toBe('unsupported-version');
    expect(reason(patched(2, 200))).toBe('unknown-kind');
    expect(reason(patched(3, 0x80))).toBe('invalid-field');
  });

  it('rejects flags on kinds that have none', () => {
    const b = encodeFrame(samples[4]!).slice();
    b[3] = 1;
    expect(reason(b)).toBe('invalid-field');
  });

  it('rejects trailing bytes', () => {
    const bytes = encodeFrame(samples[5]!);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(reason(longer)).toBe('trailing-bytes');
  });

  it('rejects oversized frames before parsing them', () => {
    const frame: Frame = {
      kind: 'data',
      ...h,
      origin: 'node-a1',
      seq: 1,
      retransmit: false,
      type: undefined,
      payload: new Uint8Array(2048),
    };
    expect(reason(encodeFrame(frame), 1024)).toBe('oversized');
  });

  it('rejects a payload length that claims more than the frame holds', () => {
    const bytes = encodeFrame(samples[0]!).slice();
    const view = new DataView(bytes.buffer);
    view.setUint32(bytes.length - 3 - 4, 1_000_000);
    expect(reason(bytes)).toBe('bad-length');
  });

  it('rejects invalid names, zero seqs, empty and inverted NAK ranges, bad views', () => {
    const bad: Frame[] = [
      { ...(samples[0] as Extract<Frame, { kind: 'data' }>), origin: 'a.b' },
      { ...(samples[0] as Extract<Frame, { kind: 'data' }>), sender: 'x y' },
      { ...(samples[0] as Extract<Frame, { kind: 'data' }>), seq: 0 },
      { ...(samples[0] as Extract<Frame, { kind: 'data' }>), fragment: { index: 2, count: 2 } },
      { ...(samples[0] as Extract<Frame, { kind: 'data' }>), fragment: { index: 0, count: 1 } },
      { kind: 'nak', ...h, origin: 'node-b2', ranges: [] },
      { kind: 'nak', ...h, origin: 'node-b2', ranges: [[5, 2]] },
      { kind: 'install', ...h, ballot: b, view: { ...view, members: [] }, stateFor: [] },
      { kind: 'install', ...h, ballot: b, view: { ...view, coordinator: 'node-zz' }, stateFor: [] },
      { kind: 'install', ...h, ballot: b, view: { ...view, members: ['node-a1', 'node-a1'] }, stateFor: [] },
      { kind: 'install', ...h, ballot: { n: 0, node: '' }, view, stateFor: [] },
      { kind: 'mdirr', ...m, seq: 1, ack: 1, census: 0, groups: [{ group: 'g', viewId: 0, coordinator: 'node-a1' }] },
      {
        kind: 'mdirr',
        ...m,
        seq: 1,
        ack: 1,
        census: 0,
        groups: [
          { group: 'g', viewId: 1, coordinator: 'node-a1' },
          { group: 'g', viewId: 2, coordinator: 'node-a1' },
        ],
      },
      { kind: 'mdirq', ...m, name: 'a.b' },
      {
        kind: 'digest',
        ...h,
        entries: [
          { member: 'node-a1', seq: 1 },
          { member: 'node-a1', seq: 2 },
        ],
        ordered: 0,
      },
      { kind: 'order', ...h, first: 0, records: [{ rank: 0, seq: 1 }] },
      { kind: 'order', ...h, first: 1, records: [] },
      { kind: 'state', ...h, index: 3, count: 3, bytes: new Uint8Array(0) },
      { kind: 'cut', ...h, proposedViewId: 8, ballot: b, cut: [], ordered: 0, orderHolder: 'node-b2' },
    ];
    for (const frame of bad) expect(reason(encodeFrame(frame))).toBe('invalid-field');
  });

  it('rejects invalid UTF-8 in names', () => {
    const bytes = encodeFrame(samples[5]!).slice();
    // First byte of the group name, after the 8-byte fixed header and its length byte.
    bytes[9] = 0xff;
    expect(reason(bytes)).toBe('invalid-field');
  });

  it('never throws anything but FrameDecodeError on random bytes', () => {
    let state = 42;
    const rand = () => ((state = (state * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 5000; i++) {
      const base = encodeFrame(samples[i % samples.length]!).slice();
      for (let k = 0; k < 1 + (i % 4); k++) base[rand() % base.length] = rand();
      try {
        decodeFrame(base);
      } catch (error) {
        expect(error).toBeInstanceOf(FrameDecodeError);
      }
    }
  });
});

describe("the codec's shared buffers and caches", () => {
  const data = samples[0] as Extract<Frame, { kind: 'data' }>;

  it('frames cut from one slab stay intact while more are encoded, large ones included', () => {
    const first = encodeFrame(data);
    const copy = first.slice();
    const large = encodeFrame({ ...data, payload: new Uint8Array(200_000).fill(7) });
    const frames = Array.from({ length: 2000 }, (_, i) => encodeFrame({ ...data, seq: i + 1 }));
    expect(first).toEqual(copy);
    expect(decodeFrame(large)).toEqual({ ...data, payload: new Uint8Array(200_000).fill(7) });
    frames.forEach((f, i) => expect(decodeFrame(f)).toEqual({ ...data, seq: i + 1 }));
  });

  it('decodes names and types that differ from cached ones, non-ASCII ones too, as themselves', () => {
    for (const origin of ['node-a1', 'node-a2', 'node-1a', 'nöde-a1', 'node-a1']) {
      for (const type of [undefined, 'transfer', 'trañsfer', 'transfes']) {
        const frame = { ...data, origin, type };
        expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
      }
    }
  });

  it('decodes payloads as copies: the bus message (a Buffer, perhaps a whole bundle) is not kept', () => {
    const small = Buffer.from(encodeFrame({ ...data, payload: new Uint8Array(100).fill(1) }));
    const large = Buffer.from(encodeFrame({ ...data, payload: new Uint8Array(5000).fill(2) }));
    const [a, b] = [decodeFrame(small), decodeFrame(large)] as Array<Extract<Frame, { kind: 'data' }>>;
    small.fill(9);
    large.fill(9);
    expect(a!.payload).toEqual(new Uint8Array(100).fill(1));
    expect(b!.payload).toEqual(new Uint8Array(5000).fill(2));
    expect(Buffer.isBuffer(a!.payload)).toBe(false);
  });

  it('still rejects a name once a valid one of the same length was cached', () => {
    decodeFrame(encodeFrame({ ...data, origin: 'node-ab' }));
    expect(reason(encodeFrame({ ...data, origin: 'node.ab' }))).toBe('invalid-field');
  });
});
