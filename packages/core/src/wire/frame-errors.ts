import { CohortError } from '../errors.js';

export const FrameDecodeFailure = {
  truncated: 'truncated',
  oversized: 'oversized',
  badMagic: 'bad-magic',
  unsupportedVersion: 'unsupported-version',
  unknownKind: 'unknown-kind',
  badLength: 'bad-length',
  invalidField: 'invalid-field',
  trailingBytes: 'trailing-bytes',
} as const;
export type FrameDecodeFailure = (typeof FrameDecodeFailure)[keyof typeof FrameDecodeFailure];

/** A frame that cannot be decoded. Inbound paths drop, count (by `reason`) and log it. */
export class FrameDecodeError extends CohortError {
  constructor(
    readonly reason: FrameDecodeFailure,
    detail: string,
    cause?: unknown,
  ) {
    super(`malformed frame (${reason}): ${detail}`, { cause });
  }
}
