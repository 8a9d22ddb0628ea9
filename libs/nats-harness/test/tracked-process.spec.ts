import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { liveChildren, spawnTracked, stopAllNatsServers } from '../src/index.js';
import type { TrackedProcess } from '../src/index.js';
import { isAlive, sleep, waitUntilGone } from './helpers.js';

const pids = new Set<number>();

function node(script: string, options: Parameters<typeof spawnTracked>[2] = {}): TrackedProcess {
  const proc = spawnTracked(process.execPath, ['-e', script], options);
  pids.add(proc.pid);
  return proc;
}

afterAll(async () => {
  await stopAllNatsServers();
  expect(liveChildren()).toEqual([]);
  expect([...pids].filter(isAlive)).toEqual([]);
});

describe('spawnTracked', () => {
  it('waits for stdout lines and reports the exit code and stderr', async () => {
    const proc = node(
      'console.log("one"); setTimeout(() => { console.log("READY 7"); console.error("bad thing"); process.exit(3); }, 50)',
    );
    expect(await proc.waitForLine(/^READY (\d+)$/)).toBe('READY 7');
    expect(await proc.exited).toEqual({ code: 3, signal: null });
    expect(proc.lines).toEqual(['one', 'READY 7']);
    expect(proc.stderr).toContain('bad thing');
    expect(proc.running).toBe(false);
  });

  it('matches lines already printed, with a predicate, and only new ones with `from`', async () => {
    const proc = node('for (const l of ["a 1", "b 2", "a 3"]) console.log(l)');
    await proc.exited;
    expect(await proc.waitForLine((line) => line.startsWith('a'))).toBe('a 1');
    expect(await proc.waitForLine(/^a/g, 1_000, { from: 1 })).toBe('a 3');
  });

  it('rejects when the output ends without a match, or on timeout', async () => {
    const ended = node('console.log("nothing here"); console.error("why it failed"); process.exit(2)');
    await expect(ended.waitForLine(/never/)).rejects.toThrow(
      /output ended without a line matching \/never\/[\s\S]*why it failed/,
    );
    const silent = node('setTimeout(() => {}, 10_000)');
    await expect(silent.waitForLine(/never/, 100)).rejects.toThrow(/no line matching \/never\/ within 100 ms/);
    await silent.kill('SIGKILL');
    expect((await silent.exited).signal).toBe('SIGKILL');
  });

  it('iterates stdout lines asynchronously and calls line listeners', async () => {
    const proc = node(
      'let i = 0; const t = setInterval(() => { console.log("tick " + ++i); if (i === 3) clearInterval(t); }, 10)',
    );
    const heard: string[] = [];
    proc.onLine((line) => heard.push(line));
    const iterated: string[] = [];
    for await (const line of proc.stdoutLines) iterated.push(line);
    expect(iterated).toEqual(['tick 1', 'tick 2', 'tick 3']);
    expect(heard).toEqual(iterated);
  });

  it('kill(SIGTERM) waits for the exit', async () => {
    const proc = node('console.log("up"); setInterval(() => {}, 1000)');
    await proc.waitForLine(/^up$/);
    await proc.kill('SIGTERM');
    expect(proc.exitInfo).toEqual({ code: null, signal: 'SIGTERM' });
    expect(isAlive(proc.pid)).toBe(false);
  });

  it('pauses and resumes the process', async () => {
    const proc = node('let i = 0; setInterval(() => console.log("tick " + ++i), 20)');
    await proc.waitForLine(/^tick 2$/);
    proc.pause();
    expect(proc.paused).toBe(true);
    await sleep(100);
    const countWhilePaused = proc.lines.length;
    await sleep(300);
    expect(proc.lines.length).toBe(countWhilePaused);
    proc.resume();
    await proc.waitForLine(/^tick/, 2_000, { from: countWhilePaused });
    await proc.stop();
  });

  it('writes lines to stdin when asked for a pipe', async () => {
    const proc = node(
      'process.stdin.setEncoding("utf8").on("data", (d) => { console.log(d.trim().toUpperCase()); process.exit(0); })',
      { stdin: true },
    );
    proc.writeLine('hello');
    expect(await proc.waitForLine(/^HELLO$/)).toBe('HELLO');
    expect((await proc.exited).code).toBe(0);
  });

  it('passes env and cwd', async () => {
    const proc = node('console.log(process.env.HARNESS_SPEC_VALUE + " " + process.cwd())', {
      env: { HARNESS_SPEC_VALUE: 'forty-two' },
      cwd: '/tmp',
    });
    expect(await proc.waitForLine(/^forty-two /)).toBe('forty-two /tmp');
  });

  it('throws at once for a command that cannot run', () => {
    expect(() => spawnTracked('/nonexistent/command', [])).toThrow(/could not start \/nonexistent\/command/);
  });

  it('stopAllNatsServers() kills tracked processes too', async () => {
    const proc = node('setInterval(() => {}, 1000)');
    expect(liveChildren().map((c) => c.pid)).toContain(proc.pid);
    await stopAllNatsServers();
    expect(proc.running).toBe(false);
    expect(liveChildren()).toEqual([]);
  });
});

// These run the built library in a plain Node process (no Jest), where the exit and signal hooks
// must take the nats-server down with the process.
const built = new URL('../dist/index.js', import.meta.url);

describe('cleanup hooks in a separate process', () => {
  const script = (after: string): string =>
    `const { startNatsServer } = await import(${JSON.stringify(built.href)});` +
    `const server = await startNatsServer({ name: 'hook-test' });` +
    `console.log('SERVER ' + server.pid);` +
    after;

  function spawnModule(after: string): TrackedProcess {
    const proc = spawnTracked(process.execPath, ['--input-type=module', '-e', script(after)]);
    pids.add(proc.pid);
    return proc;
  }

  async function serverPid(proc: TrackedProcess): Promise<number> {
    const pid = Number((await proc.waitForLine(/^SERVER \d+$/, 15_000)).split(' ')[1]);
    pids.add(pid);
    return pid;
  }

  it('has a built library to run (npx tsc -b tsconfig.json)', () => {
    expect(existsSync(built)).toBe(true);
  });

  it('kills the server when the process exits', async () => {
    const proc = spawnModule('process.exit(0);');
    const pid = await serverPid(proc);
    expect((await proc.exited).code).toBe(0);
    expect(await waitUntilGone(pid)).toBe(true);
  }, 20_000);

  it('kills the server on SIGTERM and still dies of SIGTERM', async () => {
    const proc = spawnModule('setInterval(() => {}, 1000);');
    const pid = await serverPid(proc);
    expect(isAlive(pid)).toBe(true);
    await proc.kill('SIGTERM');
    expect(proc.exitInfo).toEqual({ code: null, signal: 'SIGTERM' });
    expect(await waitUntilGone(pid)).toBe(true);
  }, 20_000);
});
