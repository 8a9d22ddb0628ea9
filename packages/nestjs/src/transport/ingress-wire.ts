import type { MemberId } from '@cohort/nats';
import { InvalidPacketError } from './errors.js';

// What CohortClient and a group's entry member exchange on the group's ingress subject
// (docs/design/transport.md). Requests are Nest-style JSON packets; an answer is one NATS reply.

/** `id` marks a request (send); an event (emit) has none. */
export interface IngressPacket {
  readonly pattern: string;
  readonly data: unknown;
  readonly id?: string;
}

/** Where an emitted event went: the entry member's multicast, delivered there. */
export interface EmitReceipt {
  readonly group: string;
  readonly sender: MemberId;
  readonly viewId: number;
  readonly seq: number;
}

/**
 * The answer to a packet. A request's handler answers with a stream of values (`{ value }` each,
 * so that `undefined` survives JSON), then possibly the handler's error as Nest's filters made it.
 */
export type IngressReply =
  | { readonly ack: EmitReceipt }
  | { readonly responses: ReadonlyArray<{ readonly value?: unknown }>; readonly err?: unknown }
  | { readonly failure: { readonly name: string; readonly message: string } };

/** A delivery type travels in one byte-length-prefixed field of the wire format. */
const MAX_TYPE_BYTES = 255;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Throws InvalidPacketError unless `pattern` can be a delivery type. */
export function checkPattern(group: string, pattern: unknown): string {
  if (typeof pattern !== 'string') {
    throw new InvalidPacketError(
      `the pattern must be a string (the delivery type), got ${pattern === null ? 'null' : typeof pattern}; object patterns such as { group, type } name handlers inside a member, not packets`,
      { group },
    );
  }
  if (pattern.length === 0) throw new InvalidPacketError('the pattern must not be empty', { group });
  if (encoder.encode(pattern).length > MAX_TYPE_BYTES) {
    throw new InvalidPacketError(`the pattern must be at most ${MAX_TYPE_BYTES} bytes of UTF-8`, { group });
  }
  return pattern;
}

export function encodePacket(packet: IngressPacket): Uint8Array {
  return encoder.encode(JSON.stringify(packet));
}

/** Validates an inbound packet before anything acts on it. */
export function decodePacket(group: string, bytes: Uint8Array, maxBytes: number): IngressPacket {
  if (bytes.length > maxBytes) {
    throw new InvalidPacketError(`${bytes.length} bytes exceed the ${maxBytes}-byte limit of one multicast`, {
      group,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch (cause) {
    throw new InvalidPacketError('not a JSON packet', { group, cause });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !('pattern' in value)) {
    throw new InvalidPacketError('not a { pattern, data, id? } packet', { group });
  }
  const { pattern, data, id } = value as { pattern: unknown; data?: unknown; id?: unknown };
  const type = checkPattern(group, pattern);
  if (id !== undefined && typeof id !== 'string') {
    throw new InvalidPacketError('the id must be a string', { group, pattern: type });
  }
  return { pattern: type, data, ...(id === undefined ? {} : { id }) };
}

export function encodeReply(reply: IngressReply): Uint8Array {
  return encoder.encode(JSON.stringify(reply));
}

/** Undefined unless `bytes` are one of the three answers. */
export function decodeReply(bytes: Uint8Array): IngressReply | undefined {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if ('ack' in value || 'failure' in value) return value as IngressReply;
  if ('responses' in value && Array.isArray(value.responses)) return value as IngressReply;
  return undefined;
}
