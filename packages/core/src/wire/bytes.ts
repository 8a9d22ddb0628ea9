import { FrameDecodeError } from './frame-errors.js';
import { Slab } from './slab.js';

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** A writer that grew beyond this for one large frame gives the memory back afterwards. */
const KEEP_BYTES = 64 * 1024;

/**
 * Encoded frames live in 64 KiB slabs, as long as the transport's outbound buffer holds them.
 * Decoded payloads are copied out of the bus message (a bundle can be a MiB: a view would keep
 * all of it alive for one retained payload), the small ones into 8 KiB slabs.
 */
const frames = new Slab(64 * 1024, 8 * 1024);
const payloads = new Slab(8 * 1024, 1024);

/**
 * Growable big-endian writer, reused from frame to frame (encoding is synchronous): the only
 * allocation per frame is the result of `finish`, from a slab. A trailing byte field (a data frame's payload, a
 * state chunk) is not copied in but appended by `finish`, so that it is copied once.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  private tail: Uint8Array | undefined;

  constructor(private readonly initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  /** Starts a new frame. */
  reset(): this {
    this.pos = 0;
    this.tail = undefined;
    return this;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.view.setUint8(this.pos, v);
    this.pos += 1;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
    return this;
  }

  /** Short string: u8 byte length, then UTF-8. Names are ASCII: written without an encoder call. */
  str8(s: string): this {
    const n = s.length;
    if (n <= 255) {
      this.ensure(1 + n);
      const buf = this.buf;
      const at = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + i] = c;
      }
      if (i === n) {
        buf[this.pos] = n;
        this.pos = at + n;
        return this;
      }
    }
    const bytes = utf8.encode(s);
    if (bytes.length > 255) throw new RangeError(`string of ${bytes.length} bytes does not fit a str8 field`);
    this.u8(bytes.length);
    return this.raw(bytes);
  }

  /** Long byte field: u32 length, then the bytes. */
  bytes32(b: Uint8Array): this {
    this.u32(b.length);
    return this.raw(b);
  }

  /** The frame's last field, a long byte field: appended by `finish` without an intermediate copy. */
  tailBytes32(b: Uint8Array): void {
    this.u32(b.length);
    this.tail = b;
  }

  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  finish(): Uint8Array {
    const tail = this.tail;
    const out = frames.allocate(this.pos + (tail?.length ?? 0));
    out.set(this.buf.subarray(0, this.pos));
    if (tail !== undefined) out.set(tail, this.pos);
    if (this.buf.length > Math.max(KEEP_BYTES, this.initial)) {
      this.buf = new Uint8Array(this.initial);
      this.view = new DataView(this.buf.buffer);
    }
    this.reset();
    return out;
  }
}

/** Bounded: a stream of distinct strings (a misbehaving peer) only costs the cache its hits. */
const MAX_CACHED_STRINGS = 4096;
/**
 * ASCII strings of frames by a hash of their bytes: group, sender, origin and message type recur
 * in nearly every frame, and a hit costs no decoder call, no subarray and no new string. A hit is
 * checked byte by byte, so a hash collision only costs a decode.
 */
const decoded = new Map<number, string>();

/** Bounds-checked reader; every overrun is a FrameDecodeError, never an exception of another kind. */
export class ByteReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, field: string): void {
    if (this.pos + n > this.buf.length) {
      throw new FrameDecodeError(
        'truncated',
        `frame ends inside ${field} (needs ${n} bytes at offset ${this.pos}, has ${this.remaining})`,
      );
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.buf[this.pos++]!;
  }

  u16(field: string): number {
    this.need(2, field);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u32(field: string): number {
    this.need(4, field);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  str8(field: string): string {
    const len = this.u8(`${field} length`);
    this.need(len, field);
    const b = this.buf;
    const start = this.pos;
    const end = start + len;
    // FNV-1a over the bytes; any byte ≥ 0x80 makes it non-ASCII, decoded (and checked) in full.
    let hash = 0x811c9dc5 ^ len;
    let high = 0;
    for (let i = start; i < end; i++) {
      const c = b[i]!;
      high |= c;
      hash = Math.imul(hash ^ c, 0x01000193);
    }
    this.pos = end;
    if (high < 0x80) {
      const hit = decoded.get(hash);
      if (hit !== undefined && sameAscii(hit, b, start, len)) return hit;
    }
    let s: string;
    try {
      s = utf8Strict.decode(view(b, start, len));
    } catch (cause) {
      throw new FrameDecodeError('invalid-field', `${field} is not valid UTF-8`, cause);
    }
    if (high < 0x80) {
      if (decoded.size >= MAX_CACHED_STRINGS) decoded.clear();
      decoded.set(hash, s);
    }
    return s;
  }

  /** A long byte field as a view of the frame's bytes, not a copy (a bundle's frames, decoded at once). */
  view32(field: string): Uint8Array {
    const len = this.u32(`${field} length`);
    if (len > this.remaining) {
      throw new FrameDecodeError('bad-length', `${field} claims ${len} bytes but only ${this.remaining} remain`);
    }
    this.pos += len;
    return view(this.buf, this.pos - len, len);
  }

  bytes32(field: string): Uint8Array {
    const len = this.u32(`${field} length`);
    if (len > this.remaining) {
      throw new FrameDecodeError('bad-length', `${field} claims ${len} bytes but only ${this.remaining} remain`);
    }
    const out = payloads.allocate(len);
    out.set(view(this.buf, this.pos, len));
    this.pos += len;
    return out;
  }
}

function sameAscii(s: string, b: Uint8Array, at: number, len: number): boolean {
  if (s.length !== len) return false;
  for (let i = 0; i < len; i++) if (s.charCodeAt(i) !== b[at + i]) return false;
  return true;
}

/** A plain Uint8Array view: a Buffer's subarray would construct a Buffer, at twice the cost. */
function view(buf: Uint8Array, at: number, len: number): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset + at, len);
}
