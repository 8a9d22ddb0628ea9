import type { Frame, GroupInput, GroupOutput } from '@cohort/core';
import { decodePayload } from './payload.js';

// One-line renderings of machine inputs and outputs for traces of a replayed seed. Only what helps
// to follow the protocol: frame kind, view ids, seqs, cuts; never whole payloads.

export function describeFrame(frame: Frame): string {
  const head = `${frame.kind} from ${frame.sender} v${frame.viewId}`;
  switch (frame.kind) {
    case 'data':
      return `${head} ${frame.origin}#${frame.seq}${frame.retransmit ? ' (retransmit)' : ''} ${decodePayload(frame.payload) ?? '?'}`;
    case 'nak':
      return `${head} of ${frame.origin} ${frame.ranges.map(([a, b]) => `${a}-${b}`).join(',')}`;
    case 'digest':
      return `${head} ${entries(frame.entries)}`;
    case 'propose':
    case 'install':
      return `${head} view ${frame.view.id} [${frame.view.members.join(',')}]`;
    case 'flush-ok':
      return `${head} for ${frame.proposedViewId} sent ${frame.sent} holds ${entries(frame.received)}`;
    case 'cut':
      return `${head} for ${frame.proposedViewId} cut ${entries(frame.cut)}`;
    case 'cut-ok':
      return `${head} for ${frame.proposedViewId}`;
    case 'join':
    case 'leave':
    case 'install-ok':
      return head;
    case 'mprepare':
    case 'maccepted':
    case 'mnack':
      return `${head} instance ${frame.instance} ballot ${frame.ballot.n}/${frame.ballot.node}`;
    case 'mpromise':
      return `${head} instance ${frame.instance} ballot ${frame.ballot.n}/${frame.ballot.node}${frame.accepted ? ` accepted view ${frame.accepted.view.id}` : ''}`;
    case 'maccept':
      return `${head} instance ${frame.instance} ballot ${frame.ballot.n}/${frame.ballot.node} view [${frame.view.members.join(',')}]`;
    case 'mcommit':
      return `${head} view ${frame.view.id} [${frame.view.members.join(',')}]`;
    default:
      return head;
  }
}

export function describeInput(input: GroupInput): string {
  switch (input.kind) {
    case 'frame':
      return describeFrame(input.frame);
    case 'multicast':
      return `multicast #${input.requestId} ${decodePayload(input.payload) ?? '?'}`;
    default:
      return input.kind;
  }
}

export function describeOutput(output: GroupOutput): string {
  switch (output.kind) {
    case 'send':
      return `send ${output.to.kind === 'group' ? `group/${output.to.channel}` : `to ${output.to.node}`}: ${describeFrame(output.frame)}`;
    case 'install':
      return `install view ${output.view.id} [${output.view.members.join(',')}] coordinator ${output.view.coordinator}`;
    case 'deliver':
      return `deliver ${output.delivery.origin}#${output.delivery.seq} v${output.delivery.viewId} ${decodePayload(output.delivery.payload) ?? '?'}`;
    case 'sent':
    case 'acknowledged':
      return `${output.kind} #${output.requestId} v${output.viewId} seq ${output.seq}`;
    case 'rejected':
      return `rejected #${output.requestId} (${output.reason})`;
    case 'status':
      return `status ${output.status}`;
    case 'snapshot':
      return `snapshot for the joiners of view ${output.viewId}`;
    case 'refused':
      return `refused: the group uses ${output.group.ordering}/${output.group.delivery}`;
    case 'flushed':
      return `flushed into view ${output.viewId} after ${output.blockedMs} ms`;
    case 'restore':
      return `restore the state of view ${output.viewId} (${output.state.length} bytes)`;
    case 'drop':
      return `drop (${output.reason}) ${describeFrame(output.frame)}: ${output.detail}`;
  }
}

function entries(list: ReadonlyArray<{ member: string; seq: number }>): string {
  return `{${list.map((e) => `${e.member}:${e.seq}`).join(' ')}}`;
}
