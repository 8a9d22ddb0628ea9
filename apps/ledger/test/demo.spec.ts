import { describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { spawnTracked } from '@cohort/nats-harness';

// `npm run demo` end to end, smaller: three replica processes, a client workload, a SIGKILL and a
// joiner with state transfer; the demo itself compares the digests and sets its exit code.
const demo = fileURLToPath(new URL('../dist/demo/main.js', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const pids = (lines: readonly string[]) =>
  lines.flatMap((l) => [...l.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1])));

describe('the ledger demo', () => {
  it('ends with one digest at every replica, and exit code 0', async () => {
    const proc = spawnTracked(process.execPath, [demo], { name: 'demo', env: { OPERATIONS: '1500' } });
    const exit = await proc.exited;
    const out = proc.lines.join('\n');
    expect(exit.code).toBe(0);
    expect(out).toMatch(/^OK: 3 replicas hold the same ledger/m);
    const digests = new Set(
      proc.lines
        .filter((l) => /^replica-\d +(running|joined mid-load)/.test(l))
        .map((l) => l.trim().split(/\s+/).at(-1)),
    );
    expect(digests.size).toBe(1);
    expect(out).toMatch(/SIGKILL replica-2/);
    expect(out).toMatch(/replica-4: joined as .* restored \d+ bytes of state/);
    // Everything it started is gone.
    expect(pids(proc.lines).filter(alive)).toEqual([]);
  }, 120_000);

  it('stops everything it started on Ctrl-C', async () => {
    const proc = spawnTracked(process.execPath, [demo], { name: 'demo', env: { OPERATIONS: '100000' } });
    await proc.waitForLine((l) => l.startsWith('workload '), 60_000);
    const started = pids(proc.lines);
    expect(started.length).toBe(4);
    await proc.kill('SIGINT');
    const exit = await proc.exited;
    expect(exit.code).toBe(130);
    expect(started.filter(alive)).toEqual([]);
  }, 120_000);
});
