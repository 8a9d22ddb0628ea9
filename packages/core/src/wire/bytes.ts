import { FrameDecodeError } from './frame-errors.js';

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Growable big-endian writer. */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
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

  /** Short string: u8 byte length, then UTF-8. */
  str8(s: string): this {
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

  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Bounds-checked reader; every overrun is a FrameDecodeError, never an exception of another kind. */
export class ByteReader {
  private readonly view: DataView;
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

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
    return this.view.getUint8(this.pos++);
  }

  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  str8(field: string): string {
    const len = this.u8(`${field} length`);
    this.need(len, field);
    const bytes = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    try {
      return utf8Strict.decode(bytes);
    } catch (cause) {
      throw new FrameDecodeError('invalid-field', `${field} is not valid UTF-8`, cause);
    }
  }

  bytes32(field: string): Uint8Array {
    const len = this.u32(`${field} length`);
    if (len > this.remaining) {
      throw new FrameDecodeError('bad-length', `${field} claims ${len} bytes but only ${this.remaining} remain`);
    }
    const out = this.buf.slice(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
}
