import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTracked } from '@cohort/nats-harness';

const script = (name: string) => fileURLToPath(new URL(`../../../scripts/${name}`, import.meta.url));
// Each run starts its own server and node processes; a run that takes longer is stuck.
const RUN_TIMEOUT_MS = 120_000;

export interface MembershipMetric {
  readonly key: string;
  readonly label: string;
  readonly samples: readonly number[];
  readonly p50?: number;
  readonly max?: number;
}

/** One measurement script's output: its metrics, or why it failed. */
export interface MembershipResult {
  readonly what: string;
  readonly metrics: readonly MembershipMetric[];
  readonly failure?: string;
}

/**
 * Membership costs, measured by the repository's scripts with their own servers and processes
 * (defaults: heartbeat 100 ms, suspicion after 400 ms): SIGKILL, leave and join → new view at
 * every member (scripts/measure-membership.mjs), and a join with state transfer of each size
 * (scripts/measure-state-transfer.mjs).
 */
export async function measureMembership(
  runs: number,
  stateMiB: readonly number[],
  progress: (line: string) => void,
): Promise<MembershipResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-membership-'));
  try {
    const jobs: Array<{ what: string; args: string[] }> = [
      { what: 'membership', args: [script('measure-membership.mjs'), '--runs', String(runs)] },
      ...stateMiB.map((mb) => ({
        what: `state transfer of ${mb} MiB`,
        args: [script('measure-state-transfer.mjs'), '--runs', String(runs), '--mb', String(mb)],
      })),
    ];
    const out: MembershipResult[] = [];
    for (const [i, job] of jobs.entries()) {
      progress(`${job.what}: ${runs} run${runs === 1 ? '' : 's'}`);
      const file = join(dir, `${i}.json`);
      const proc = spawnTracked(process.execPath, [...job.args, '--json', file], { name: job.what });
      const exit = await Promise.race([
        proc.exited,
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), RUN_TIMEOUT_MS * runs).unref()),
      ]);
      if (exit === undefined) await proc.kill('SIGKILL');
      let metrics: MembershipMetric[] = [];
      try {
        metrics = (JSON.parse(readFileSync(file, 'utf8')) as { metrics: MembershipMetric[] }).metrics;
      } catch {
        // No file: the script failed before writing it; its stderr says why.
      }
      const failed =
        exit === undefined ? 'timed out' : exit.code === 0 ? undefined : `exit ${exit.code ?? exit.signal}`;
      out.push({
        what: job.what,
        metrics,
        ...(failed === undefined
          ? {}
          : { failure: `${failed}: ${proc.stderr.trim().split('\n').slice(-2).join(' ')}` }),
      });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderMembership(results: readonly MembershipResult[]): string[] {
  const rows = results.flatMap((r) =>
    r.metrics.map((m) => [
      `${r.what}: ${m.label}`,
      String(m.samples.length),
      m.p50 === undefined ? '-' : `${Math.round(m.p50)} ms`,
      m.max === undefined ? '-' : `${Math.round(m.max)} ms`,
    ]),
  );
  const header = ['event', 'samples', 'p50', 'max'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    'membership and state transfer (own servers and processes, default timers):',
    line(header),
    '-'.repeat(line(header).length),
    ...rows.map(line),
    ...results.flatMap((r) => (r.failure === undefined ? [] : [`    ${r.what}: ${r.failure}`])),
  ];
}
