import type { MemberClient } from './member-client.js';
import type { MemberEvent, MemberResult, ScenarioSpec } from './messages.js';

/** What one scenario gave, over every member. */
export type ScenarioOutcome =
  | { readonly kind: 'measured'; readonly results: readonly MemberResult[] }
  | { readonly kind: 'unavailable'; readonly reason: string }
  | { readonly kind: 'failed'; readonly reason: string };

// Joining a group (the mesh too, the first time) and waiting for the full view stays well below.
const PREPARE_TIMEOUT_MS = 60_000;
// Members stop on their own idle timeout; this only catches a member that hangs.
const GO_TIMEOUT_MS = 300_000;
const FINISH_TIMEOUT_MS = 30_000;

// Reasons go on one line of the table; an error's first line says what happened.
function reasonOf(member: MemberClient, event: MemberEvent): string {
  if (event.event === 'failed' || event.event === 'unavailable')
    return `${member.name}: ${event.reason.split('\n')[0]}`;
  return `${member.name} answered ${JSON.stringify(event)}`;
}

/** Sends `go` to every member at once and collects what each measured. */
export async function goAll(members: readonly MemberClient[]): Promise<ScenarioOutcome> {
  const answers = await Promise.all(members.map((m) => m.request({ cmd: 'go' }, GO_TIMEOUT_MS)));
  const results: MemberResult[] = [];
  for (const [i, answer] of answers.entries()) {
    if (answer.event !== 'done') return { kind: 'failed', reason: reasonOf(members[i] as MemberClient, answer) };
    results.push(answer.result);
  }
  return { kind: 'measured', results };
}

/** Has every member prepare `spec`; undefined once all are ready, else why not. */
export async function prepareAll(
  members: readonly MemberClient[],
  spec: ScenarioSpec,
): Promise<Exclude<ScenarioOutcome, { kind: 'measured' }> | undefined> {
  const answers = await Promise.all(members.map((m) => m.request({ cmd: 'prepare', spec }, PREPARE_TIMEOUT_MS)));
  const unavailable = answers.find((a) => a.event === 'unavailable');
  // Every member runs the same build, so they give the same reason; one is enough.
  if (unavailable?.event === 'unavailable')
    return { kind: 'unavailable', reason: unavailable.reason.split('\n')[0] ?? '' };
  const failed = answers.findIndex((a) => a.event !== 'ready');
  if (failed >= 0) return { kind: 'failed', reason: reasonOf(members[failed] as MemberClient, answers[failed]!) };
  return undefined;
}

export async function finishAll(members: readonly MemberClient[]): Promise<void> {
  await Promise.all(members.map((m) => m.request({ cmd: 'finish' }, FINISH_TIMEOUT_MS)));
}

/**
 * Runs one scenario on every member: all prepare, then all start together, then all tear down.
 * A member that does not answer in time fails the whole run (its process is in trouble).
 */
export async function runScenario(members: readonly MemberClient[], spec: ScenarioSpec): Promise<ScenarioOutcome> {
  try {
    return (await prepareAll(members, spec)) ?? (await goAll(members));
  } finally {
    await finishAll(members);
  }
}
