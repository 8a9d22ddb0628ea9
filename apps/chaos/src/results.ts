import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { MemberHistory } from '@cohort/checkers';
import type { NodeProcess } from '@cohort/nats-harness';
import type { ChaosReport } from './report.js';
import type { Schedule } from './schedule.js';

// A run's files, so that a failure can be studied after the processes are gone:
// <out>/<time>-seed-<seed>/schedule.json (replayable with --schedule), report.json, histories.json,
// and logs/<member>.log: each process's own output (every line it printed, then its stderr).

/** Creates the run's directory; returns its path as given relative to the working directory. */
export async function resultsDir(out: string, seed: number, startedAt: number): Promise<string> {
  const stamp = new Date(startedAt).toISOString().replace(/[:.]/g, '-');
  const dir = join(out, `${stamp}-seed-${seed}`);
  await mkdir(dir, { recursive: true });
  return relative(process.cwd(), dir) || '.';
}

export async function saveSchedule(dir: string, schedule: Schedule): Promise<void> {
  await writeFile(join(dir, 'schedule.json'), `${JSON.stringify(schedule, null, 2)}\n`);
}

export async function saveReport(dir: string, report: ChaosReport): Promise<void> {
  await writeFile(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
}

/**
 * One history per line inside a JSON array: a long run's histories hold millions of events, and
 * one JSON.stringify of all of them would build a string of hundreds of MB.
 */
export async function saveHistories(dir: string, histories: readonly MemberHistory[]): Promise<void> {
  const stream = createWriteStream(join(dir, 'histories.json'));
  const write = (text: string): Promise<void> =>
    new Promise((resolve, reject) => {
      if (stream.write(text)) resolve();
      else stream.once('drain', resolve).once('error', reject);
    });
  await write('[\n');
  for (let i = 0; i < histories.length; i++) {
    await write(`${JSON.stringify(histories[i])}${i < histories.length - 1 ? ',' : ''}\n`);
  }
  await write(']\n');
  await new Promise<void>((resolve, reject) =>
    stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

export async function saveLogs(dir: string, processes: readonly NodeProcess[]): Promise<void> {
  await mkdir(join(dir, 'logs'), { recursive: true });
  for (const n of processes) {
    const stderr = n.proc.stderr === '' ? '' : `--- stderr ---\n${n.proc.stderr}\n`;
    await writeFile(join(dir, 'logs', `${n.name}.log`), `${n.proc.lines.join('\n')}\n${stderr}`);
  }
}
