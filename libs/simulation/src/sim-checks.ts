import type { CheckResult, Violation } from '@cohort/checkers';
import type { SimNode } from './sim-node.js';

const MAX_EXAMPLES = 100;

/**
 * What the simulator sees that histories cannot show, in the checkers' result shape so that one
 * report covers everything:
 *  - `simulator`: the machine threw, a frame failed to encode or decode, a delivery carried a
 *    payload the workload never sent. Always checked.
 *  - `requests`: every multicast() call of a node that did not crash ended, acknowledged or (only
 *    on a node that left) rejected. A liveness property, so only checked when liveness is.
 */
export function simulatorChecks(nodes: readonly SimNode[], liveness: boolean): CheckResult[] {
  const results = [
    build(
      'simulator',
      nodes.flatMap((n) => n.errors.map((message) => ({ guarantee: 'simulator', message, member: n.id }))),
    ),
  ];
  if (!liveness) return results;
  const violations: Violation[] = [];
  for (const node of nodes) {
    if (node.state === 'crashed' || node.state === 'idle') continue;
    for (const r of node.requests) {
      if (r.outcome === 'acknowledged') continue;
      if (r.outcome === 'rejected' && node.state === 'left' && r.reason === 'left') continue;
      // The caller is told it was not sent: a view change held it back past flushTimeoutMs.
      if (r.outcome === 'rejected' && r.reason === 'flush-timeout') continue;
      const what =
        r.outcome === 'rejected'
          ? `was rejected (${r.reason ?? '?'}) on a node that is ${node.state}`
          : `is still ${r.outcome} at the end`;
      violations.push({
        guarantee: 'requests',
        member: node.id,
        msgId: r.msgId,
        message: `${node.id}'s multicast ${r.msgId} (issued at t=${r.issuedAt}) ${what}`,
      });
    }
  }
  results.push(build('requests', violations));
  return results;
}

function build(name: string, violations: Violation[]): CheckResult {
  return {
    name,
    ok: violations.length === 0,
    violations: violations.slice(0, MAX_EXAMPLES),
    count: violations.length,
    anomalies: { lost: [], unexpected: [], duplicated: [], outOfOrder: [], diverged: [] },
  };
}
