import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { hostProcess } from './host-process.js';
import { keepAlive } from './wait.js';

export const ChildKind = {
  NatsServer: 'nats-server',
  Process: 'process',
} as const;
export type ChildKind = (typeof ChildKind)[keyof typeof ChildKind];

/** A child the harness started and must not leave behind. */
export interface RegisteredChild {
  readonly pid: number;
  readonly kind: ChildKind;
  readonly name: string;
  /** Sends a signal synchronously; never throws (the child may already be gone). */
  signal(signal: NodeJS.Signals): void;
  /** Settles once the child has exited; never rejects. */
  readonly exited: Promise<unknown>;
}

export interface LiveChild {
  readonly pid: number;
  readonly kind: ChildKind;
  readonly name: string;
}

interface SharedRegistry {
  readonly children: Set<RegisteredChild>;
  readonly tempDirs: Set<string>;
  hooksInstalled: boolean;
}

// Kept on the host process rather than in this module: Jest loads a fresh copy of the module for
// every test file in a worker, and one registry (and one set of exit hooks) must cover them all.
const REGISTRY_KEY = Symbol.for('@cohort/nats-harness/registry@1');
const CLEANUP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function shared(): SharedRegistry {
  const host = hostProcess() as unknown as Record<symbol, SharedRegistry | undefined>;
  let registry = host[REGISTRY_KEY];
  if (registry === undefined) {
    registry = { children: new Set(), tempDirs: new Set(), hooksInstalled: false };
    host[REGISTRY_KEY] = registry;
  }
  return registry;
}

function killAllNow(registry: SharedRegistry): void {
  for (const child of registry.children) child.signal('SIGKILL');
}

function removeTempDirsNow(registry: SharedRegistry): void {
  for (const dir of registry.tempDirs) rmSync(dir, { recursive: true, force: true });
  registry.tempDirs.clear();
}

function installHooks(registry: SharedRegistry): void {
  if (registry.hooksInstalled) return;
  registry.hooksInstalled = true;
  const host = hostProcess();
  // 'exit' listeners must be synchronous: SIGKILL is, waiting for the children is not possible.
  host.on('exit', () => {
    killAllNow(registry);
    removeTempDirsNow(registry);
  });
  for (const signal of CLEANUP_SIGNALS) {
    const onSignal = (): void => {
      killAllNow(registry);
      removeTempDirsNow(registry);
      host.removeListener(signal, onSignal);
      // Listening replaced the default action (terminate); re-raise so it still happens, unless
      // someone else listens and has taken over the decision.
      if (host.listenerCount(signal) === 0) host.kill(host.pid, signal);
    };
    host.on(signal, onSignal);
  }
}

export function registerChild(child: RegisteredChild): void {
  const registry = shared();
  installHooks(registry);
  registry.children.add(child);
  void child.exited.then(() => registry.children.delete(child));
}

/** A directory the harness created and removes at cleanup. */
export function registerTempDir(dir: string): void {
  const registry = shared();
  installHooks(registry);
  registry.tempDirs.add(dir);
}

/** Removes a registered directory now. */
export async function removeTempDir(dir: string): Promise<void> {
  shared().tempDirs.delete(dir);
  await rm(dir, { recursive: true, force: true });
}

/** Every child the harness started that has not exited yet (servers and tracked processes). */
export function liveChildren(): LiveChild[] {
  return [...shared().children].map(({ pid, kind, name }) => ({ pid, kind, name }));
}

/** SIGKILLs every live child the harness started and waits until they have exited. */
export async function killAllChildren(): Promise<void> {
  const registry = shared();
  const exits = [...registry.children].map((child) => child.exited);
  killAllNow(registry);
  await keepAlive(Promise.all(exits));
}

/**
 * Kills every child the harness started (nats-servers and spawnTracked processes), waits for
 * them to exit and removes the harness's temporary directories. Meant for `afterAll`.
 */
export async function stopAllNatsServers(): Promise<void> {
  await killAllChildren();
  const registry = shared();
  const dirs = [...registry.tempDirs];
  registry.tempDirs.clear();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}
