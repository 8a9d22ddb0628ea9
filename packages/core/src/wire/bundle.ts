import { isValidName } from '../names.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { FrameDecodeError } from './frame-errors.js';
import { BUNDLE_KIND_CODE, FIXED_HEADER_BYTES, WIRE_MAGIC, WIRE_VERSION } from './frame.js';

/**
 * A bundle carries several encoded frames of one sender in one bus message, so that a burst of
 * multicasts costs the bus, the client and every receiver one message instead of one per frame:
 *   u8 magic | u8 version | u8 kind 19 | u8 flags 0 | u32 0 | str8 group | str8 sender
 *   | u16 count (≥ 2) | count × (u32 length | frame)
 * It is not a Frame: the runtime packs frames into it after the machine produced them and
 * unpacks it before decoding them one by one, each checked like a frame that came alone.
 */

/** Bytes a bundle takes besides its frames and their lengths: at most two 255-byte names and the header. */
export const BUNDLE_ENVELOPE_BYTES = FIXED_HEADER_BYTES + 2 + 2 * 255 + 2;
/** Per frame in a bundle: its length. */
export const BUNDLED_FRAME_OVERHEAD = 4;

const writer = new ByteWriter(64 * 1024);

export function encodeBundle(group: string, sender: string, frames: readonly Uint8Array[]): Uint8Array {
  const w = writer.reset();
  w.u8(WIRE_MAGIC).u8(WIRE_VERSION).u8(BUNDLE_KIND_CODE).u8(0).u32(0).str8(group).str8(sender);
  w.u16(frames.length);
  for (const f of frames) w.bytes32(f);
  return w.finish();
}

/** Whether these bytes claim to be a bundle (decodeBundle checks the rest). */
export function isBundle(bytes: Uint8Array): boolean {
  return bytes.length >= FIXED_HEADER_BYTES && bytes[0] === WIRE_MAGIC && bytes[2] === BUNDLE_KIND_CODE;
}

export interface Bundle {
  readonly group: string;
  readonly sender: string;
  /** The frames, as views of the bundle's bytes, still to be decoded. */
  readonly frames: Uint8Array[];
}

/** Validates a bundle's envelope and splits it; throws FrameDecodeError like decodeFrame. */
export function decodeBundle(bytes: Uint8Array, maxFrameBytes: number): Bundle {
  if (bytes.length > maxFrameBytes) {
    throw new FrameDecodeError('oversized', `bundle of ${bytes.length} bytes exceeds the ${maxFrameBytes}-byte limit`);
  }
  const r = new ByteReader(bytes);
  r.u8('magic');
  const version = r.u8('version');
  if (version !== WIRE_VERSION) {
    throw new FrameDecodeError('unsupported-version', `wire version ${version} (this build speaks ${WIRE_VERSION})`);
  }
  r.u8('kind');
  const flags = r.u8('flags');
  const viewId = r.u32('viewId');
  if (flags !== 0 || viewId !== 0) throw new FrameDecodeError('invalid-field', 'bundle flags or view id not 0');
  const group = r.str8('group');
  const sender = r.str8('sender');
  if (!isValidName(group) || !isValidName(sender)) {
    throw new FrameDecodeError('invalid-field', 'bundle group or sender is not a valid name');
  }
  const count = r.u16('frame count');
  if (count < 2) throw new FrameDecodeError('invalid-field', `bundle of ${count} frames`);
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) frames.push(r.view32('bundled frame'));
  if (r.remaining !== 0) throw new FrameDecodeError('trailing-bytes', `${r.remaining} bytes after the bundle`);
  return { group, sender, frames };
}
