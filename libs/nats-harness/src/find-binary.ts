import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { NatsServerNotFoundError } from './errors.js';

// Debian installs nats-server to /usr/sbin, which is not on a normal user's PATH.
const SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The nats-server binary: NATS_SERVER_BIN if set (it must be executable), else the first
 * `nats-server` on PATH or in the sbin directories. Throws NatsServerNotFoundError otherwise.
 */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['NATS_SERVER_BIN'];
  if (explicit !== undefined && explicit !== '') {
    const path = resolve(explicit);
    if (isExecutableFile(path)) return path;
    throw new NatsServerNotFoundError(`NATS_SERVER_BIN=${explicit} is not an executable file.`);
  }
  const dirs = [...(env['PATH'] ?? '').split(delimiter), ...SBIN_DIRS].filter((dir) => dir !== '');
  for (const dir of dirs) {
    const candidate = join(dir, 'nats-server');
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new NatsServerNotFoundError(`looked at NATS_SERVER_BIN (not set), PATH and ${SBIN_DIRS.join(', ')}.`);
}
