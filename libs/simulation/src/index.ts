export { Rng } from './rng.js';
export { SimClock } from './clock.js';
export type { ScheduledEvent } from './clock.js';
export { SimNetwork, NetworkDrop, NO_FAULTS } from './network.js';
export type { Endpoint, LinkFaults, NetworkStats } from './network.js';
export { SimNode, NodeState } from './sim-node.js';
export type { RequestRecord, SimNodeOptions } from './sim-node.js';
export { encodePayload, decodePayload, msgIdOf } from './payload.js';
export {
  DEFAULT_FAULTS,
  DEFAULT_SCENARIO,
  NO_FAULT_OPTIONS,
  JoinMode,
  resolveScenario,
  livenessExpected,
} from './scenario.js';
export type { FaultOptions, ScenarioInput, ScenarioOptions } from './scenario.js';
export { runScenario } from './simulator.js';
export type { NodeStats, RunDebugOptions, ScenarioResult, SimStats } from './simulator.js';
export { describeFrame, describeInput, describeOutput } from './trace.js';
export { formatFailure } from './report.js';
export { parseScenarioArgs, scenarioArgs, replayCommand, SCENARIO_USAGE } from './args.js';
export { variedScenario } from './vary.js';
export type { VaryOverrides } from './vary.js';
export {
  DEFAULT_MESH_FAULTS,
  DEFAULT_MESH_SCENARIO,
  NO_MESH_FAULTS,
  MeshJoinMode,
  resolveMeshScenario,
  meshConfigOf,
} from './mesh-scenario.js';
export type { MeshAction, MeshFaultOptions, MeshScenarioInput, MeshScenarioOptions } from './mesh-scenario.js';
export { runMeshScenario } from './mesh-simulator.js';
export type { MeshNodeStats, MeshScenarioResult, MeshSimStats } from './mesh-simulator.js';
export { SimMeshNode, MeshNodeState, describeMeshOutput } from './mesh-node.js';
export type { MeshChange, SimMeshNodeOptions } from './mesh-node.js';
export { formatMeshFailure } from './mesh-report.js';
export { parseMeshScenarioArgs, meshScenarioArgs, meshReplayCommand, MESH_SCENARIO_USAGE } from './mesh-args.js';
export { variedMeshScenario } from './mesh-vary.js';
export type { MeshVaryOverrides } from './mesh-vary.js';
export {
  DEFAULT_FULL_FAULTS,
  DEFAULT_FULL_SCENARIO,
  resolveFullScenario,
  groupNames,
  fullMeshConfigOf,
  fullGroupConfigOf,
} from './node/full-scenario.js';
export type { FullScenarioInput, FullScenarioOptions } from './node/full-scenario.js';
export { runFullScenario } from './node/full-simulator.js';
export type { FullGroupStats, FullNodeStats, FullScenarioResult, FullSimStats } from './node/full-result.js';
export { SimFullNode } from './node/full-node.js';
export type { FullChange, SimFullNodeOptions } from './node/full-node.js';
export { SimGroupMember } from './node/group-member.js';
export { describeNodeInput, describeNodeOutput } from './node/full-trace.js';
export { formatFullFailure } from './node/full-report.js';
export { parseFullScenarioArgs, fullScenarioArgs, fullReplayCommand, FULL_SCENARIO_USAGE } from './node/full-args.js';
export { variedFullScenario } from './node/full-vary.js';
export type { FullVaryOverrides } from './node/full-vary.js';
