import { NatsServerStartError } from './errors.js';
import type { NatsServerProcess } from './nats-server.js';
import { freePorts } from './ports.js';
import { clusterUrl } from './server-launch.js';
import { startServerWithHooks } from './start-server.js';
import type { NatsServerOptions } from './start-server.js';

export interface NatsClusterOptions extends Omit<NatsServerOptions, 'cluster' | 'name'> {
  /** Cluster name (`--cluster_name`); nodes are named `<name>-1`, `<name>-2`, ... */
  readonly name?: string;
  /** How long to wait for every node to have size - 1 routes; default 15 s. */
  readonly routesTimeoutMs?: number;
}

export interface NatsClusterProcess {
  readonly name: string;
  readonly servers: readonly NatsServerProcess[];
  /** Client URLs, one per node, in node order. */
  readonly urls: readonly string[];
  /** Stops every node and removes their temp directories. */
  stop(): Promise<void>;
}

const START_ATTEMPTS = 3;
const ROUTES_TIMEOUT_MS = 15_000;
let clusters = 0;

/** Waits until every server's /routez reports at least `routes` routes. */
export async function waitForRoutes(
  servers: readonly NatsServerProcess[],
  routes: number,
  timeoutMs = ROUTES_TIMEOUT_MS,
): Promise<void> {
  await Promise.all(servers.map((server) => server.waitForRoutes(routes, timeoutMs)));
}

async function disposeAll(servers: readonly NatsServerProcess[]): Promise<void> {
  await Promise.allSettled(servers.map((server) => server.dispose()));
}

/**
 * `size` nats-servers in one cluster on loopback, each routing to every node's cluster URL (its
 * own included, which nats-server ignores). Resolves once every node has size - 1 routes.
 * `restart()` on a node brings it back on its cluster port, and it rejoins.
 */
export async function startNatsCluster(size = 3, options: NatsClusterOptions = {}): Promise<NatsClusterProcess> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`cluster size must be a positive integer, got ${size}`);
  const {
    name: clusterName = `harness-${process.pid}-${++clusters}`,
    routesTimeoutMs = ROUTES_TIMEOUT_MS,
    ...serverOptions
  } = options;
  for (let attempt = 1; ; attempt++) {
    const clusterPorts = await freePorts(size);
    const routes = clusterPorts.map(clusterUrl);
    const servers: NatsServerProcess[] = [];
    // Only nodes that are up and not paused can route to a restarted node.
    const expectedRoutes = (self: NatsServerProcess): number =>
      servers.filter((s) => s !== self && s.running && !s.paused).length;
    // Started together: with JetStream, a node is not healthy until the cluster has a meta leader.
    const results = await Promise.allSettled(
      clusterPorts.map((port, i) =>
        startServerWithHooks(
          { ...serverOptions, name: `${clusterName}-${i + 1}`, cluster: { name: clusterName, port, routes } },
          { expectedRoutes },
        ),
      ),
    );
    const failures: unknown[] = [];
    for (const result of results) {
      if (result.status === 'fulfilled') servers.push(result.value);
      else failures.push(result.reason);
    }
    if (failures.length > 0) {
      await disposeAll(servers);
      // The pre-allocated cluster ports are fixed per node, so a taken one needs a fresh set.
      const retry = failures.every((f) => f instanceof NatsServerStartError && f.portInUse) && attempt < START_ATTEMPTS;
      if (retry) continue;
      throw failures[0];
    }
    try {
      await waitForRoutes(servers, size - 1, routesTimeoutMs);
    } catch (error) {
      await disposeAll(servers);
      throw error;
    }
    return {
      name: clusterName,
      servers,
      urls: servers.map((server) => server.url),
      stop: () => disposeAll(servers),
    };
  }
}
