import type { NodeDestination, NodeInput, NodeOutput } from '@cohort/core';
import { describeMeshOutput } from '../mesh-node.js';
import { decodePayload } from '../payload.js';
import { describeFrame, describeOutput } from '../trace.js';

// One-line renderings of NodeMachine inputs and outputs, for traces of a replayed full-node seed.
// Group lines carry the group name in brackets, so that one group can be followed with grep.

export function describeNodeInput(input: NodeInput): string {
  switch (input.kind) {
    case 'frame':
      return describeFrame(input.frame);
    case 'join':
    case 'leave':
      return `[${input.group}] ${input.kind}`;
    case 'multicast':
      return `[${input.group}] multicast #${input.requestId} ${decodePayload(input.payload) ?? '?'}`;
    case 'bus':
      return `bus ${input.up ? 'up' : 'down'}`;
    default:
      return input.kind;
  }
}

export function describeNodeOutput(output: NodeOutput): string {
  switch (output.kind) {
    case 'send':
      return `send ${describeDestination(output.to)}: ${describeFrame(output.frame)}`;
    case 'mesh':
      return `[mesh] ${describeMeshOutput(output.output)}`;
    case 'group':
      return `[${output.group}] ${describeOutput(output.output)}`;
    case 'incarnation':
      return `incarnation ${output.id} (was ${output.previous})`;
    case 'drop':
      return `drop (${output.reason}) ${describeFrame(output.frame)}: ${output.detail}`;
  }
}

function describeDestination(to: NodeDestination): string {
  switch (to.kind) {
    case 'mesh':
      return `mesh/${to.channel}`;
    case 'group':
      return `${to.group}/${to.channel}`;
    case 'node':
      return `to ${to.node}`;
  }
}
