import { fileURLToPath } from 'node:url';

// The fixture lives next to src/ and dist/ (not compiled: it runs as plain ESM in its own Node
// process), and is found from this module's own location, which is two levels down in both.
/**
 * The group-member fixture (`fixtures/group-node.mjs`): a node process that joins GROUPS and
 * prints one line per event, read by `NodeProcess`. It imports `@cohort/nats`, so the program
 * that spawns it must have `@cohort/nats` built (the harness does not depend on it: it sits below).
 */
export const GROUP_NODE_FIXTURE = fileURLToPath(new URL('../../fixtures/group-node.mjs', import.meta.url));
