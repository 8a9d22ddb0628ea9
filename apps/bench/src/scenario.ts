import type { MemberResult } from './messages.js';

/** One member's side of a scenario, set up and waiting for the `go` command. */
export interface PreparedScenario {
  /** Sends this member's messages and counts everyone's; resolves with what it measured. */
  go(): Promise<MemberResult>;
  /** Releases what prepare set up. */
  finish(): Promise<void>;
}

/** The scenario cannot run in this build (an ordering Cohort does not implement yet). */
export class ScenarioUnavailableError extends Error {
  override readonly name = 'ScenarioUnavailableError';
}

/** A payload of `bytes` bytes, the same for every message: what is measured is the transport. */
export function makePayload(bytes: number): Uint8Array {
  return new Uint8Array(bytes).fill(0x61);
}
