import { bytesCodec } from '@cohort/nats';
import type { Group, NatsCohortNode } from '@cohort/nats';
import type { ScenarioSpec } from './messages.js';
import type { PreparedScenario } from './scenario.js';
import { epochNow } from './scenario.js';
import { within } from './within.js';

type JoinerSpec = Extract<ScenarioSpec, { kind: 'joiner' }>;

const MESH_TIMEOUT_MS = 20_000;
const LEAVE_TIMEOUT_MS = 10_000;

/** Resolves once the node is a member of the namespace's mesh, so that `go` times the group join alone. */
function meshMember(node: NatsCohortNode): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error(`the joiner was not in the mesh within ${MESH_TIMEOUT_MS} ms (status ${node.meshStatus})`));
    }, MESH_TIMEOUT_MS);
    const sub = node.meshStatus$.subscribe((status) => {
      if (status !== 'member') return;
      clearTimeout(timer);
      queueMicrotask(() => sub.unsubscribe());
      resolve();
    });
  });
}

/**
 * The process that joins a group while its members multicast: `go` calls join() and answers with
 * when it was called and when the first view arrived; the members time the same view's install.
 */
export async function prepareJoiner(node: NatsCohortNode, spec: JoinerSpec): Promise<PreparedScenario> {
  await meshMember(node);
  let group: Group<Uint8Array> | undefined;
  return {
    async go() {
      const startedAt = epochNow();
      group = await node.join<Uint8Array>(spec.group, {
        ordering: spec.ordering,
        delivery: spec.delivery,
        codec: bytesCodec,
        // Deliveries are not counted here; subscribing keeps them from piling up in the backlog.
        attach: (g) => g.messages$.subscribe(() => undefined),
      });
      return { event: 'joined', result: { startedAt, installedAt: epochNow(), size: group.view.members.length } };
    },
    async finish() {
      if (group !== undefined) await within(group.leave(), LEAVE_TIMEOUT_MS);
    },
  };
}
