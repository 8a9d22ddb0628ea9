import type { Frame, GroupOutput, GroupOrdering, GroupProtocolConfig, GroupStatus, View } from '@cohort/core';
import { decodeFrame, encodeFrame, GroupMachine } from '@cohort/core';
import type { HistoryEvent, MemberHistory, ViewRecord } from '@cohort/checkers';
import type { SimClock } from './clock.js';
import type { Endpoint, SimNetwork } from './network.js';
import { decodePayload, encodePayload } from './payload.js';
import { ReplicatedLog } from './replicated-log.js';
import { describeInput, describeOutput } from './trace.js';

export const NodeState = {
  idle: 'idle',
  running: 'running',
  paused: 'paused',
  crashed: 'crashed',
  left: 'left',
} as const;
export type NodeState = (typeof NodeState)[keyof typeof NodeState];

/** One application multicast, from the workload's call to its outcome. */
export interface RequestRecord {
  readonly msgId: string;
  readonly requestId: number;
  readonly issuedAt: number;
  outcome: 'pending' | 'sent' | 'acknowledged' | 'rejected';
  reason?: string;
}

export interface SimNodeOptions {
  readonly id: string;
  readonly group: string;
  readonly config: GroupProtocolConfig;
  readonly ordering: GroupOrdering;
  /** The group hands its state (this node's replicated log) to joiners. */
  readonly state: boolean;
  readonly clock: SimClock;
  readonly network: SimNetwork;
  /** Called after this node installs a view. */
  readonly onInstall?: (node: SimNode, view: View) => void;
  /** Called after this node left or crashed. */
  readonly onGone?: (node: SimNode) => void;
  /** Receives one line per machine input and output: for reading a failing seed, off by default. */
  readonly trace?: (line: string) => void;
}

/**
 * One process of the run: a GroupMachine driven by the clock and the bus, its outputs executed
 * (frames encoded onto the bus, the rest recorded), and its history kept in the checkers' shape.
 * Frames cross the bus as bytes, so the real codec encodes and validates every one of them.
 */
export class SimNode implements Endpoint {
  readonly id: string;
  readonly history: MemberHistory;
  readonly requests: RequestRecord[] = [];
  /** Frames the machine dropped, per reason. */
  readonly drops: Record<string, number> = {};
  /** Anything that must never happen: the machine threw, a frame did not decode, a foreign payload. */
  readonly errors: string[] = [];
  private readonly machine: GroupMachine;
  private readonly log = new ReplicatedLog();
  private readonly requestsById = new Map<number, RequestRecord>();
  private readonly deferred: Array<{ msgId: string; issuedAt: number }> = [];
  private nextRequestId = 1;
  private nodeState: NodeState = 'idle';
  private groupStatus: GroupStatus | undefined;
  private view: View | undefined;

  constructor(private readonly options: SimNodeOptions) {
    this.id = options.id;
    this.machine = new GroupMachine(options.group, options.id, options.config, options.ordering, options.state);
    const { ordering, delivery } = options.ordering;
    this.history = { member: options.id, group: options.group, ordering, delivery, events: [] };
  }

  get state(): NodeState {
    return this.nodeState;
  }

  get status(): GroupStatus | undefined {
    return this.groupStatus;
  }

  get currentView(): View | undefined {
    return this.view;
  }

  /** Paused and crashed nodes take nothing in: their copies are lost on arrival. */
  get accepting(): boolean {
    return this.nodeState === 'running' || this.nodeState === 'left';
  }

  /** A process that still runs the protocol (a left node still answers, as its machine decides). */
  get alive(): boolean {
    return this.nodeState === 'running' || this.nodeState === 'paused' || this.nodeState === 'left';
  }

  get pendingRequests(): RequestRecord[] {
    return this.requests.filter((r) => r.outcome === 'pending' || r.outcome === 'sent');
  }

  start(): void {
    if (this.nodeState !== 'idle') return;
    this.nodeState = 'running';
    this.options.network.attach(this.id, this);
    // Subscribed before the first join request, as the runtime does, so no answer is missed.
    this.options.network.subscribe(this.id);
    this.step({ kind: 'start', now: this.now });
  }

  /** The directory (played by the simulator) makes this node the group's creator. */
  create(): void {
    if (this.nodeState === 'running') this.step({ kind: 'create', now: this.now });
  }

  tick(): void {
    if (this.nodeState === 'running' || this.nodeState === 'left') this.step({ kind: 'tick', now: this.now });
  }

  receive(bytes: Uint8Array, from: string): void {
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch (error) {
      this.errors.push(`t=${this.now} ${this.id}: frame from ${from} did not decode: ${describe(error)}`);
      return;
    }
    this.step({ kind: 'frame', frame, now: this.now });
  }

  /** The application calls multicast(); while paused the call waits for the process to resume. */
  multicast(msgId: string): void {
    if (this.nodeState === 'crashed' || this.nodeState === 'idle') return;
    if (this.nodeState === 'paused') {
      this.deferred.push({ msgId, issuedAt: this.now });
      return;
    }
    const record: RequestRecord = { msgId, requestId: this.nextRequestId++, issuedAt: this.now, outcome: 'pending' };
    this.requests.push(record);
    this.requestsById.set(record.requestId, record);
    this.step({
      kind: 'multicast',
      requestId: record.requestId,
      payload: encodePayload(msgId),
      type: undefined,
      now: this.now,
    });
  }

  leave(): void {
    if (this.nodeState === 'running') this.step({ kind: 'leave', now: this.now });
  }

  /** Stops everything at once: no more inputs, no more outputs, the inbox goes away. */
  crash(): void {
    if (this.nodeState === 'crashed' || this.nodeState === 'idle') return;
    this.nodeState = 'crashed';
    this.record({ kind: 'crash', at: this.now });
    this.options.network.detach(this.id);
    this.options.onGone?.(this);
  }

  /** Freezes the process (GC pause, SIGSTOP): its state goes stale while the others move on. */
  pause(): void {
    if (this.nodeState === 'running') this.nodeState = 'paused';
  }

  resume(): void {
    if (this.nodeState !== 'paused') return;
    this.nodeState = 'running';
    for (const d of this.deferred.splice(0)) this.multicast(d.msgId);
  }

  private get now(): number {
    return this.options.clock.now;
  }

  private record(event: HistoryEvent): void {
    this.history.events.push(event);
  }

  private step(input: Parameters<GroupMachine['step']>[0]): void {
    let outputs: GroupOutput[];
    try {
      outputs = this.machine.step(input);
    } catch (error) {
      this.errors.push(`t=${this.now} ${this.id}: GroupMachine threw on ${input.kind}: ${describe(error)}`);
      // A machine that threw has undefined state; stop driving it rather than compound the damage.
      this.crash();
      return;
    }
    const trace = this.options.trace;
    if (trace !== undefined && (input.kind !== 'tick' || outputs.length > 0)) {
      trace(`t=${this.now} ${this.id} <- ${describeInput(input)}`);
      for (const output of outputs) trace(`t=${this.now} ${this.id} -> ${describeOutput(output)}`);
    }
    for (const output of outputs) this.apply(output);
  }

  private apply(output: GroupOutput): void {
    switch (output.kind) {
      case 'send':
        return this.send(output.to, output.frame);
      case 'install':
        this.view = output.view;
        this.record({ kind: 'install', view: copyView(output.view), at: this.now });
        this.options.onInstall?.(this, output.view);
        return;
      case 'deliver': {
        const { delivery } = output;
        const msgId = decodePayload(delivery.payload);
        if (msgId === undefined) {
          this.errors.push(
            `t=${this.now} ${this.id}: delivered a payload that is not the workload's (${delivery.origin}#${delivery.seq})`,
          );
          return;
        }
        this.record({ kind: 'deliver', msgId, sender: delivery.origin, viewId: delivery.viewId, at: this.now });
        this.log.append(msgId);
        return;
      }
      case 'snapshot':
        // Taken here, between the install and anything delivered after it: exactly at the cut.
        return this.step({ kind: 'state', viewId: output.viewId, state: this.log.snapshot(), now: this.now });
      case 'restore': {
        const log = this.log.restore(output.state);
        if (log === undefined) this.errors.push(`t=${this.now} ${this.id}: restored a state that is not a log`);
        else this.record({ kind: 'restore', viewId: output.viewId, log: [...log], at: this.now });
        return;
      }
      case 'sent':
        return this.settle(output.requestId, 'sent', output.viewId);
      case 'acknowledged':
        return this.settle(output.requestId, 'acknowledged', output.viewId);
      case 'rejected':
        return this.settle(output.requestId, 'rejected', undefined, output.reason);
      case 'status':
        this.groupStatus = output.status;
        if (output.status === 'left') {
          this.nodeState = 'left';
          this.options.network.unsubscribe(this.id);
          this.record({ kind: 'leave', at: this.now });
          this.options.onGone?.(this);
        } else if (output.status === 'blocked') {
          this.record({ kind: 'blocked', at: this.now });
        }
        return;
      case 'drop':
        this.drops[output.reason] = (this.drops[output.reason] ?? 0) + 1;
        return;
      case 'flushed':
        return;
      case 'refused':
        this.errors.push(`t=${this.now} ${this.id}: join refused, but every member uses the same settings`);
        return;
    }
  }

  private settle(
    requestId: number,
    outcome: 'sent' | 'acknowledged' | 'rejected',
    viewId: number | undefined,
    reason?: string,
  ): void {
    const request = this.requestsById.get(requestId);
    if (request === undefined) {
      this.errors.push(`t=${this.now} ${this.id}: ${outcome} for unknown request ${requestId}`);
      return;
    }
    if (outcome === 'sent') this.record({ kind: 'send', msgId: request.msgId, viewId: viewId!, at: this.now });
    if (outcome === 'acknowledged') this.record({ kind: 'ack', msgId: request.msgId, at: this.now });
    request.outcome = outcome;
    if (reason !== undefined) request.reason = reason;
  }

  private send(to: { kind: 'group' } | { kind: 'node'; node: string }, frame: Frame): void {
    let bytes: Uint8Array;
    try {
      bytes = encodeFrame(frame);
    } catch (error) {
      this.errors.push(`t=${this.now} ${this.id}: ${frame.kind} frame did not encode: ${describe(error)}`);
      return;
    }
    if (to.kind === 'group') this.options.network.publish(this.id, frame.kind, bytes);
    else this.options.network.unicast(this.id, to.node, frame.kind, bytes);
  }
}

// The history must not alias the machine's objects: a later mutation would rewrite the past.
function copyView(view: View): ViewRecord {
  return {
    group: view.group,
    id: view.id,
    members: [...view.members],
    coordinator: view.coordinator,
    joined: [...view.joined],
    left: [...view.left],
    failed: [...view.failed],
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
