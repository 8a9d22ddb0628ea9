import { createServer } from 'node:net';
import type { Server } from 'node:net';

// The kernel may hand a just-released port out again; remembering what we gave out recently keeps
// two servers started side by side from being told the same port before either has bound it.
const RECENT_MS = 60_000;
const recentlyHandedOut = new Map<number, number>();

function listenOnLoopback(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve(server));
  });
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('loopback listener has no port');
  return address.port;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function isRecent(port: number, now: number): boolean {
  const at = recentlyHandedOut.get(port);
  return at !== undefined && now - at < RECENT_MS;
}

/**
 * `count` distinct loopback ports that were free a moment ago. All are held open together before
 * being released, so they differ from each other; callers still retry if another process takes one.
 */
export async function freePorts(count: number): Promise<number[]> {
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    // Skipped (recent) ports stay held too, so the kernel cannot offer them again in this loop.
    for (let attempts = 0; ports.length < count; attempts++) {
      if (attempts > count + 200) throw new Error(`could not find ${count} free loopback ports`);
      const server = await listenOnLoopback();
      held.push(server);
      const port = portOf(server);
      if (!isRecent(port, Date.now())) ports.push(port);
    }
    // Recorded while still held, so a concurrent caller cannot be given one once it is released.
    const now = Date.now();
    for (const [port, at] of recentlyHandedOut) if (now - at >= RECENT_MS) recentlyHandedOut.delete(port);
    for (const port of ports) recentlyHandedOut.set(port, now);
  } finally {
    await Promise.all(held.map(close));
  }
  return ports;
}

/** A loopback port that was free a moment ago (bind 127.0.0.1:0, read it, close). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('could not find a free loopback port');
  return port;
}
