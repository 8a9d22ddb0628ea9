import type { MeshFaultHost } from '../mesh-fault-plan.js';
import { retrying, scheduleMeshFaults, scheduleMeshScript } from '../mesh-fault-plan.js';
import type { MeshAction } from '../mesh-scenario.js';
import type { Rng } from '../rng.js';
import type { SimFullNode } from './full-node.js';

/**
 * The faults of a full-node run. Node faults (crashes and restarts, pauses, partitions, leaves of
 * whole nodes) are the mesh plan's, with its guards, drawn from `rng` exactly as a mesh run
 * draws them; group leaves come from their own stream, so that adding one shifts no node fault.
 */
export function scheduleFullFaults(
  host: MeshFaultHost<SimFullNode>,
  script: readonly MeshAction[],
  groupLeaves: number,
  rng: { readonly nodes: Rng; readonly groups: Rng },
): void {
  scheduleMeshFaults(host, rng.nodes);
  scheduleMeshScript(host, script);
  scheduleGroupLeaves(host, groupLeaves, rng.groups);
}

/**
 * Graceful leaves of one group by one of its members, whose node stays in the mesh. The leaver is
 * drawn when the leave fires, among running mesh members that are members of a group view of at
 * least two, so that the group goes on without it.
 */
function scheduleGroupLeaves(host: MeshFaultHost<SimFullNode>, count: number, rng: Rng): void {
  const { durationMs } = host.options;
  for (let i = 0; i < count; i++) {
    const at = rng.range(Math.floor(durationMs * 0.4), Math.floor(durationMs * 0.85));
    retrying(host, at, 'group-leave', () => {
      const candidates = host
        .started()
        .filter((n) => n.state === 'running' && !n.leaving && n.status === 'member')
        .flatMap((n) =>
          [...n.groups.values()]
            .filter((m) => m.status === 'member' && !m.leaving && !m.ended && (m.currentView?.members.length ?? 0) >= 2)
            .map((m) => ({ node: n, group: m.group })),
        );
      if (candidates.length === 0) return false;
      const { node, group } = rng.pick(candidates);
      host.note(`${node.id} leaves ${group}`);
      node.leaveGroup(group);
      return true;
    });
  }
}
