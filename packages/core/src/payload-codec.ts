/** Turns application payloads into bytes and back; pluggable per group. */
export interface PayloadCodec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The default codec: JSON text in UTF-8. `undefined` travels as JSON `null`. */
export function jsonCodec<T>(): PayloadCodec<T> {
  return {
    encode: (value) => encoder.encode(JSON.stringify(value ?? null)),
    decode: (bytes) => JSON.parse(decoder.decode(bytes)) as T,
  };
}

/** Raw bytes, unchanged. */
export const bytesCodec: PayloadCodec<Uint8Array> = {
  encode: (value) => value,
  decode: (bytes) => bytes,
};
