import { performance } from 'node:perf_hooks';
import type { MemberEvent, TrafficSpec } from './messages.js';

/** A member's answer to `go`: what it measured. */
export type GoAnswer = Extract<MemberEvent, { event: 'done' } | { event: 'joined' }>;

/** One member's side of a scenario, set up and waiting for the `go` command. */
export interface PreparedScenario {
  /** Runs this member's part (sends and counts, or joins); resolves with what it measured. */
  go(): Promise<GoAnswer>;
  /** Releases what prepare set up. */
  finish(): Promise<void>;
}

/** The scenario cannot run in this build (an ordering Cohort does not implement yet). */
export class ScenarioUnavailableError extends Error {
  override readonly name = 'ScenarioUnavailableError';
}

/** What each member receives in a traffic scenario: every sender's messages, its own included. */
export function expectedArrivals(spec: TrafficSpec): number {
  return (spec.senders === 'all' ? spec.members : 1) * spec.messages;
}

/** Epoch milliseconds with sub-millisecond resolution: comparable between processes of one machine. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
