// The workload's payloads carry their msgId, so that a delivery maps back to the send in the
// history without the simulator trusting the protocol's own (origin, seq) naming.
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function msgIdOf(member: string, n: number): string {
  return `${member}:${n}`;
}

export function encodePayload(msgId: string): Uint8Array {
  return encoder.encode(JSON.stringify({ id: msgId }));
}

/** The msgId inside a payload, or undefined if the bytes are not one of ours (corruption). */
export function decodePayload(bytes: Uint8Array): string | undefined {
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes));
    if (typeof value === 'object' && value !== null && 'id' in value && typeof value.id === 'string') return value.id;
  } catch {
    // Fall through: undecodable bytes are reported by the caller.
  }
  return undefined;
}
