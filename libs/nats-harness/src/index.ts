export { findNatsServer } from './find-binary.js';
export { NATS_SERVER_INSTALL_HINT, NatsServerNotFoundError, NatsServerStartError, StartFailure } from './errors.js';
export type { NatsServerStartErrorDetails } from './errors.js';
export type { ExitInfo } from './exit-info.js';
export { freePort, freePorts } from './ports.js';
export { NatsServerProcess } from './nats-server.js';
export { startNatsServer } from './start-server.js';
export type {
  ClusterSettings,
  NatsServerOptions,
  NatsServerOptions as StartNatsServerOptions,
} from './start-server.js';
export { startNatsCluster, waitForRoutes } from './nats-cluster.js';
export { waitUntil } from './wait.js';
export type { NatsClusterOptions, NatsClusterProcess } from './nats-cluster.js';
export type { Connz, ConnzConnection, MonitorQuery, RouteInfo, Routez, Varz } from './monitoring.js';
export { TrackedProcess, spawnTracked } from './tracked-process.js';
export type { SpawnOptions, WaitForLineOptions } from './tracked-process.js';
export type { LineMatcher } from './line-buffer.js';
export { ChildKind, killAllChildren, liveChildren, stopAllNatsServers } from './registry.js';
export type { LiveChild } from './registry.js';
export { FAST_OPTIONS, silentLogger } from './test-options.js';
export { NodeProcess, spawnNode } from './members/node-process.js';
export type { BlockedSpan, GroupMode, SpawnNodeOptions, ViewLine, WaitOptions } from './members/node-process.js';
export { Traffic } from './members/traffic.js';
export { GROUP_NODE_FIXTURE } from './members/fixtures.js';
