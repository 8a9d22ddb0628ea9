import { ConfigurationError } from '../errors.js';
import type { MeshConfig } from '../protocol/mesh/mesh-config.js';
import { DEFAULT_MESH_CONFIG } from '../protocol/mesh/mesh-config.js';

/** Failure-detection and mesh options (docs/design/membership.md). */
export interface MeshOptions {
  /** Heartbeat period. Default 100. */
  heartbeatMs?: number;
  /** Silence before a node is suspected and pinged. Default 400; must exceed 2 × heartbeatMs. */
  suspectAfterMs?: number;
  /** Silence after the ping before it is removed. Default 200. */
  verifyTimeoutMs?: number;
  /** Nodes needed before the first view is formed. Default 1. */
  minNodes?: number;
  /** No answer to a join within this long: form a mesh of one. Default 1000. */
  joinTimeoutMs?: number;
}

function positiveInt(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ConfigurationError(option, `must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Validates mesh options. With the defaults a SIGKILLed node is suspected after 400 ms, pinged,
 * removed 200 ms later, and the view change commits in a few round trips: well under 2 s.
 */
export function resolveMeshConfig(options: MeshOptions): MeshConfig {
  const d = DEFAULT_MESH_CONFIG;
  const heartbeatMs = positiveInt('heartbeatMs', options.heartbeatMs, d.heartbeatMs);
  const suspectAfterMs = positiveInt('suspectAfterMs', options.suspectAfterMs, d.suspectAfterMs);
  const verifyTimeoutMs = positiveInt('verifyTimeoutMs', options.verifyTimeoutMs, d.verifyTimeoutMs);
  const minNodes = positiveInt('minNodes', options.minNodes, d.minNodes);
  const joinTimeoutMs = positiveInt('joinTimeoutMs', options.joinTimeoutMs, d.joinTimeoutMs);
  if (suspectAfterMs <= 2 * heartbeatMs) {
    throw new ConfigurationError(
      'suspectAfterMs',
      `${suspectAfterMs} ms must be more than 2 × heartbeatMs (${2 * heartbeatMs} ms), or one late heartbeat gets a live node suspected; raise suspectAfterMs or lower heartbeatMs`,
    );
  }
  if (verifyTimeoutMs < heartbeatMs) {
    throw new ConfigurationError(
      'verifyTimeoutMs',
      `${verifyTimeoutMs} ms is shorter than heartbeatMs (${heartbeatMs} ms); a pinged node needs at least one heartbeat period to answer`,
    );
  }
  if (joinTimeoutMs <= suspectAfterMs) {
    throw new ConfigurationError(
      'joinTimeoutMs',
      `${joinTimeoutMs} ms must exceed suspectAfterMs (${suspectAfterMs} ms): a join must be able to wait out a coordinator's failure`,
    );
  }
  return {
    ...d,
    heartbeatMs,
    suspectAfterMs,
    verifyTimeoutMs,
    minNodes,
    joinTimeoutMs,
    joinRetryMs: Math.max(heartbeatMs, Math.floor(joinTimeoutMs / 5)),
    retryMs: heartbeatMs,
    blockAfterMs: Math.max(joinTimeoutMs, 2 * (suspectAfterMs + verifyTimeoutMs)),
  };
}
