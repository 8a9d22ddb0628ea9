import { InvalidNameError } from './errors.js';

const MAX_NAME_BYTES = 200;
// One NATS subject token: no separators, no wildcards, no white space or control characters.
// eslint-disable-next-line no-control-regex -- control characters are exactly what a name must not contain
const FORBIDDEN = /[.*>\s\u0000-\u001f\u007f]/u;

/** Throws InvalidNameError unless `value` can be used as one subject token. */
export function validateName(what: string, value: unknown): string {
  if (typeof value !== 'string') throw new InvalidNameError(what, String(value), 'must be a string');
  if (value.length === 0) throw new InvalidNameError(what, value, 'must not be empty');
  if (FORBIDDEN.test(value)) {
    throw new InvalidNameError(what, value, "must be one NATS subject token: no '.', '*', '>' or white space");
  }
  if (new TextEncoder().encode(value).length > MAX_NAME_BYTES) {
    throw new InvalidNameError(what, value, `must be at most ${MAX_NAME_BYTES} bytes`);
  }
  return value;
}

export function isValidName(value: string): boolean {
  return value.length > 0 && !FORBIDDEN.test(value) && value.length <= MAX_NAME_BYTES;
}
