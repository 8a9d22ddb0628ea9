import { readFileSync } from 'node:fs';
import type { NatsConnection } from '@nats-io/transport-node';

function isZombie(pid: number): boolean {
  try {
    // /proc/<pid>/stat: "pid (comm) state ..."; comm may contain spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/**
 * Whether a process with this pid runs (signal 0 only checks). A zombie counts as gone: a child
 * of a process that already exited waits there until init reaps it.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !isZombie(pid);
}

/** Waits until the process is gone (SIGKILL takes effect when the kernel next schedules it). */
export async function waitUntilGone(pid: number, timeoutMs = 2_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
  return true;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Subscribes on `sub`, then publishes on `pub` every 50 ms until the message arrives: across a
 * cluster, interest reaches the other nodes over the routes a moment after the subscriber's flush.
 */
export async function deliver(
  pub: NatsConnection,
  sub: NatsConnection,
  subject: string,
  payload: string,
  timeoutMs = 5_000,
): Promise<string> {
  const subscription = sub.subscribe(subject, { max: 1, timeout: timeoutMs });
  await sub.flush();
  const received = (async () => {
    for await (const message of subscription) return message.string();
    throw new Error(`subscription on ${subject} ended without a message`);
  })();
  const timer = setInterval(() => pub.publish(subject, payload), 50);
  pub.publish(subject, payload);
  try {
    return await received;
  } finally {
    clearInterval(timer);
  }
}

/** Polls `probe` until it returns true; false if it never does within `timeoutMs`. */
export async function eventually(probe: () => Promise<boolean>, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}
