/** Tier-1 timing; the runtime validates user options into this. */
export interface MeshConfig {
  /** Every node publishes a heartbeat this often. */
  readonly heartbeatMs: number;
  /** A member silent this long is suspected and pinged directly. */
  readonly suspectAfterMs: number;
  /** A suspected member still silent this long after the ping is unreachable. */
  readonly verifyTimeoutMs: number;
  /** No answer to a join within this long: form a mesh of one (with minNodes 1). */
  readonly joinTimeoutMs: number;
  readonly joinRetryMs: number;
  /** Nodes that must be present before a first view is formed. */
  readonly minNodes: number;
  /** Resend view-change steps this often until answered. */
  readonly retryMs: number;
  /** A view change without a quorum for this long reports `blocked`. */
  readonly blockAfterMs: number;
  /** Commits kept to bring lagging members up to date. */
  readonly keptCommits: number;
}

export const DEFAULT_MESH_CONFIG: MeshConfig = {
  heartbeatMs: 100,
  suspectAfterMs: 400,
  verifyTimeoutMs: 200,
  joinTimeoutMs: 1000,
  joinRetryMs: 200,
  minNodes: 1,
  retryMs: 100,
  blockAfterMs: 1000,
  keptCommits: 32,
};
