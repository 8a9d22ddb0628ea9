import { checkAll } from '@cohort/checkers';
import type { CheckAllResult, MemberHistory } from '@cohort/checkers';
import type { GroupMode, NatsClusterProcess } from '@cohort/nats-harness';
import { GROUP } from './member-pool.js';
import type { MemberPool } from './member-pool.js';

// The end of a run (Jepsen's final phase): heal whatever is still broken, wait until every live
// member installed one view of exactly the live members, stop the workload (SIGUSR2: every SEND a
// member printed is in its output before its QUIET line), wait until the traffic of that view is
// drained, then check every history of every process (SIGKILLed ones as crashed) with liveness.

export interface QuietOutcome {
  readonly converged: boolean;
  readonly drained: boolean;
  /** Why it did not converge or drain: the wait's message, with one line per member. */
  readonly failures: string[];
  readonly histories: MemberHistory[];
  readonly check: CheckAllResult;
}

export interface QuietContext {
  readonly pool: MemberPool;
  readonly cluster: NatsClusterProcess;
  readonly mode: GroupMode;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

export async function quietPhase(ctx: QuietContext): Promise<QuietOutcome> {
  const { pool, cluster, log } = ctx;
  const failures: string[] = [];
  for (const server of cluster.servers) {
    if (!server.running) {
      log(`quiet phase: restarting ${server.name}`);
      await server.restart();
    }
  }
  for (const node of pool.live()) {
    node.proc.resume();
    pool.stopSlow(node);
  }
  const converged = await reached(
    () => pool.traffic.until('one view of every live member', () => pool.traffic.converged(pool.live()), ctx.timeoutMs),
    failures,
  );
  const live = pool.live();
  await Promise.all(live.map((n) => n.proc.kill('SIGUSR2')));
  const drained =
    converged &&
    (await reached(
      () =>
        pool.traffic.until('the traffic of the final view drained', () => pool.traffic.drained(live), ctx.timeoutMs),
      failures,
    ));
  log(
    `quiet phase: ${converged ? 'converged' : 'did not converge'}, ${drained ? 'drained' : 'not drained'} ` +
      `(${live.length} live members)`,
  );
  const histories = pool.processes.flatMap((n) => n.histories(GROUP, pool.crashed.has(n), ctx.mode));
  // A member the primary mesh removed (a long pause, a slow consumer past the detector's limit)
  // comes back under a new id; its old incarnation ends blocked and never returns, as a failed
  // member would. Liveness concerns the final incarnations only; every safety check still judges
  // the old ones.
  const superseded = pool.processes.flatMap((n) => n.incarnations().slice(0, -1));
  // primaryPartition: false: a group view follows the mesh's decision (tier 1), which may drop a
  // majority of the group's members at once (checkers' CheckAllOptions).
  const check = checkAll(histories, { primaryPartition: false, liveness: { ignore: superseded } });
  return { converged, drained, failures, histories, check };
}

async function reached(wait: () => Promise<void>, failures: string[]): Promise<boolean> {
  try {
    await wait();
    return true;
  } catch (error) {
    failures.push((error as Error).message);
    return false;
  }
}
