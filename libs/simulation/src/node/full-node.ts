import type {
  Frame,
  GroupOrdering,
  MeshStatus,
  NodeConfig,
  NodeDestination,
  NodeInput,
  NodeOutput,
  View,
} from '@cohort/core';
import { decodeFrame, encodeFrame, MESH_GROUP, NodeMachine } from '@cohort/core';
import type { MemberHistory } from '@cohort/checkers';
import type { SimClock } from '../clock.js';
import type { MeshCheckTarget } from '../mesh-checks.js';
import type { MeshFaultTarget } from '../mesh-fault-plan.js';
import type { MeshNodeState } from '../mesh-node.js';
import { copyView } from '../mesh-node.js';
import type { Endpoint, SimNetwork } from '../network.js';
import { encodePayload, msgIdOf } from '../payload.js';
import { describeNodeInput, describeNodeOutput } from './full-trace.js';
import type { GroupReport } from './group-member.js';
import { SimGroupMember } from './group-member.js';

/** What just happened to a node, for the simulator's timeline and convergence tracking. */
export type FullChange =
  | { readonly kind: 'mesh-install' | 'mesh-status' | 'crash' | 'pause' | 'resume' }
  | { readonly kind: 'group-install' | 'group-status' | 'group-join'; readonly group: string };

/** What a new incarnation takes over from the previous one of the same process. */
export interface Predecessor {
  readonly machine: NodeMachine;
  /** The groups the machine rejoins: every group the previous incarnation had not left. */
  readonly groups: readonly string[];
  /** The previous incarnation was leaving: the application's close() is still under way. */
  readonly leaving: boolean;
}

export interface SimFullNodeOptions {
  readonly id: string;
  readonly config: NodeConfig;
  readonly clock: SimClock;
  readonly network: SimNetwork;
  /** The ordering and delivery mode every member of a group uses. */
  readonly orderingOf: (group: string) => GroupOrdering;
  /** Groups hand their (replicated-log) state to joiners. */
  readonly transfersState: boolean;
  /** Set for the incarnation a NodeMachine starts after the primary mesh removed the previous one. */
  readonly predecessor?: Predecessor;
  readonly onChange?: (node: SimFullNode, change: FullChange) => void;
  /**
   * The machine started a new incarnation of this process under `id` (NodeConfig.rejoin): the
   * simulator returns the started wrapper of that incarnation, which takes over the machine.
   */
  readonly onIncarnation?: (previous: SimFullNode, id: string, predecessor: Predecessor) => SimFullNode;
  readonly trace?: (line: string) => void;
}

/**
 * One incarnation of a process of a full-node run: a NodeMachine (mesh and groups) driven by the
 * clock and the bus, its outputs executed. Frames cross the bus as bytes, so the real codec
 * encodes and validates every one. Keeps one '$mesh' history and one history per group it joined.
 * An incarnation ends with a crash, a leave or the mesh's 'removed'; a machine that then rejoins
 * under a new id goes on in a new SimFullNode (`onIncarnation`), with histories of its own.
 *
 * Application calls (join, multicast, leave) made before the process starts go in when it
 * starts; made while it is paused, once it resumes, as a frozen process would run them. A join may come before the node is a mesh member:
 * the NodeMachine asks the root's directory once it is.
 */
export class SimFullNode implements Endpoint, MeshFaultTarget, MeshCheckTarget {
  readonly id: string;
  readonly meshHistory: MemberHistory;
  readonly groups = new Map<string, SimGroupMember>();
  readonly statusLog: Array<{ at: number; status: MeshStatus }> = [];
  /** Frames the node or its mesh machine dropped, per reason or kind. */
  readonly drops: Record<string, number> = {};
  readonly errors: string[] = [];
  /** Group views installed while this node was not a member of the mesh (tier-2 before tier-1). */
  readonly outOfMesh: string[] = [];
  startedAt: number | undefined;
  leaving = false;
  private readonly machine: NodeMachine;
  private nodeState: MeshNodeState = 'idle';
  private meshStatus: MeshStatus | undefined;
  private view: View | undefined;
  /** Application calls made before the process started, or while it is paused. */
  private readonly held: Array<() => void> = [];
  private nextRequestId = 1;
  private issued = 0;
  private leftMesh = false;
  /** The groups a rejoining machine joins again: those this incarnation had not left when removed. */
  private rejoins: readonly string[] = [];
  /** Group views installed in the batch being applied, for checkInstalls. */
  private readonly installed: string[] = [];
  /** The incarnation this process went on as, once this one was removed. */
  private successor: SimFullNode | undefined;

  constructor(private readonly options: SimFullNodeOptions) {
    this.id = options.id;
    this.machine = options.predecessor?.machine ?? new NodeMachine(options.id, options.config);
    // No multicasts in the mesh: the ordering and delivery modes only satisfy the history shape.
    this.meshHistory = { member: options.id, group: MESH_GROUP, ordering: 'fifo', delivery: 'agreed', events: [] };
  }

  get state(): MeshNodeState {
    return this.nodeState;
  }

  /** The mesh status. */
  get status(): MeshStatus | undefined {
    return this.meshStatus;
  }

  /** The mesh view. */
  get currentView(): View | undefined {
    return this.view;
  }

  get accepting(): boolean {
    return this.nodeState === 'running';
  }

  get alive(): boolean {
    return this.nodeState === 'running' || this.nodeState === 'paused';
  }

  /** Starts the process; a new incarnation instead takes over the running machine and its groups. */
  start(): void {
    if (this.nodeState !== 'idle') return;
    this.nodeState = 'running';
    this.startedAt = this.now;
    this.options.network.attach(this.id, this);
    this.options.network.subscribe(this.id, MESH_GROUP);
    const predecessor = this.options.predecessor;
    if (predecessor === undefined) this.step({ kind: 'start', now: this.now });
    // The machine rejoined these already; their outputs follow in the batch being applied.
    for (const group of predecessor?.groups ?? []) this.addGroup(group);
    if (predecessor?.leaving === true) this.leave();
    for (const call of this.held.splice(0)) call();
  }

  tick(): void {
    if (this.nodeState === 'running') this.step({ kind: 'tick', now: this.now });
  }

  receive(bytes: Uint8Array, from: string): void {
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch (error) {
      this.errors.push(`t=${this.now} ${this.id}: frame from ${from} did not decode: ${describe(error)}`);
      return;
    }
    // As the runtime's transport does (DESIGN §6: the subject's last token is the publisher): a
    // frame relayed verbatim under another node's name never reaches the machine.
    if (frame.sender !== from) return this.count('sender-mismatch');
    this.step({ kind: 'frame', frame, now: this.now });
  }

  /** The application joins `group` (once, per incarnation). */
  join(group: string): void {
    if (this.defer(() => this.join(group))) return;
    if (this.leaving || this.groups.has(group)) return;
    this.addGroup(group);
    this.step({
      kind: 'join',
      group,
      ordering: this.options.orderingOf(group),
      state: this.options.transfersState,
      now: this.now,
    });
  }

  private addGroup(group: string): void {
    const ordering = this.options.orderingOf(group);
    this.groups.set(group, new SimGroupMember(group, this.id, ordering, this.now, (m) => this.fail(m)));
    // Subscribed before the first request, as the runtime does, so that no answer is missed.
    this.options.network.subscribe(this.id, group);
    this.options.onChange?.(this, { kind: 'group-join', group });
  }

  /** The application multicasts to `group`; the msgId is numbered per node, in call order. */
  multicast(group: string): void {
    if (!this.alive) return;
    const msgId = msgIdOf(this.id, ++this.issued);
    const issue = (): void => {
      const member = this.groups.get(group);
      if (this.nodeState !== 'running' || member === undefined || member.ended || member.leaving) return;
      const requestId = this.nextRequestId++;
      member.request(msgId, requestId, this.now);
      this.step({ kind: 'multicast', group, requestId, payload: encodePayload(msgId), type: undefined, now: this.now });
    };
    if (!this.defer(issue)) issue();
  }

  leaveGroup(group: string): void {
    if (this.defer(() => this.leaveGroup(group))) return;
    const member = this.groups.get(group);
    if (member === undefined || member.ended || member.leaving) return;
    member.leaving = true;
    this.step({ kind: 'leave', group, now: this.now });
  }

  /** Graceful shutdown, as the runtime's close(): every group first, then the mesh. */
  leave(): void {
    if (this.defer(() => this.leave())) return;
    if (this.leaving) return;
    this.leaving = true;
    // As the runtime's close(): groups still joining are left with the mesh.
    for (const [group, member] of this.groups) if (member.currentView !== undefined) this.leaveGroup(group);
    this.leaveMeshOnceGroupsLeft();
  }

  crash(): void {
    if (!this.alive) return;
    this.nodeState = 'crashed';
    this.meshHistory.events.push({ kind: 'crash', at: this.now });
    for (const member of this.groups.values()) member.crash(this.now);
    this.options.network.detach(this.id);
    this.options.onChange?.(this, { kind: 'crash' });
  }

  pause(): void {
    if (this.nodeState !== 'running') return;
    this.nodeState = 'paused';
    this.options.onChange?.(this, { kind: 'pause' });
  }

  /** Wakes with the state it had when paused; the calls made meanwhile go in now. */
  resume(): void {
    if (this.nodeState !== 'paused') return;
    this.nodeState = 'running';
    this.options.onChange?.(this, { kind: 'resume' });
    for (const call of this.held.splice(0)) call();
  }

  private get now(): number {
    return this.options.clock.now;
  }

  /** True if the call must wait (not started, or paused) or is void (ended); it is then held or dropped. */
  private defer(call: () => void): boolean {
    if (this.nodeState === 'paused' || this.nodeState === 'idle') this.held.push(call);
    return this.nodeState !== 'running';
  }

  private fail(message: string): void {
    this.errors.push(`t=${this.now} ${this.id}: ${message}`);
  }

  private leaveMeshOnceGroupsLeft(): void {
    if (!this.leaving || this.leftMesh || this.nodeState !== 'running') return;
    for (const member of this.groups.values()) if (!member.ended && member.currentView !== undefined) return;
    this.leftMesh = true;
    this.step({ kind: 'leave-mesh', now: this.now });
  }

  private step(input: NodeInput): void {
    let outputs: NodeOutput[];
    try {
      outputs = this.machine.step(input);
    } catch (error) {
      this.fail(`NodeMachine threw on ${describeNodeInput(input)}: ${describe(error)}`);
      // A machine that threw has undefined state; stop driving it rather than compound the damage.
      this.crash();
      return;
    }
    const trace = this.options.trace;
    if (trace !== undefined && (input.kind !== 'tick' || outputs.length > 0)) {
      trace(`t=${this.now} ${this.id} <- ${describeNodeInput(input)}`);
      for (const output of outputs) trace(`t=${this.now} ${this.id} -> ${describeNodeOutput(output)}`);
    }
    for (const output of outputs) {
      if (this.nodeState === 'crashed') return;
      // Everything after an 'incarnation' output is the new incarnation's.
      if (this.successor !== undefined) this.successor.apply(output);
      else this.apply(output);
    }
    this.checkInstalls();
    this.successor?.checkInstalls();
  }

  /**
   * The group views of the batch just applied were installed in the mesh: the node is a mesh
   * member, in its mesh view, once the batch is done (within one batch the mesh's install and
   * status may follow the group install that they caused).
   */
  private checkInstalls(): void {
    const inMesh = this.meshStatus === 'member' && this.view?.members.includes(this.id) === true;
    for (const what of this.installed.splice(0)) {
      if (inMesh) continue;
      this.outOfMesh.push(
        `t=${this.now} ${this.id} installed ${what} while its mesh status was ${this.meshStatus ?? '-'} in mesh view ${this.view?.id ?? '-'}`,
      );
    }
  }

  private apply(output: NodeOutput): void {
    switch (output.kind) {
      case 'incarnation':
        return this.reincarnate(output.id);
      case 'send':
        return this.send(output.to, output.frame);
      case 'mesh': {
        const report = output.output;
        if (report.kind === 'install') {
          this.view = report.view;
          this.meshHistory.events.push({ kind: 'install', view: copyView(report.view), at: this.now });
          this.options.onChange?.(this, { kind: 'mesh-install' });
        } else if (report.kind === 'status') {
          this.onMeshStatus(report.status);
        } else if (report.kind === 'drop') {
          this.count(`mesh ${report.frame.kind}`);
        }
        return;
      }
      case 'group':
        return this.onGroup(output.group, output.output);
      case 'drop':
        return this.count(output.reason);
    }
  }

  private count(reason: string): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
  }

  private onGroup(group: string, report: GroupReport): void {
    const member = this.groups.get(group);
    if (member === undefined) return this.fail(`a ${report.kind} of group ${group}, which this node never joined`);
    if (member.ended) {
      // A status or a drop may trail the end of the incarnation in the same batch; a view or a
      // delivery may not: the history ended, and the checkers would never see it.
      if (report.kind === 'install' || report.kind === 'deliver')
        this.fail(`a ${report.kind} of group ${group} after its history ended`);
      return;
    }
    if (report.kind === 'install') this.installed.push(`${group} view ${report.view.id}`);
    // Taken here, between the install and anything delivered after it: exactly at the cut.
    if (report.kind === 'snapshot') {
      return this.step({ kind: 'state', group, viewId: report.viewId, state: member.log.snapshot(), now: this.now });
    }
    if (!member.apply(report, this.now)) return;
    if (report.kind === 'status' && report.status === 'left') {
      this.options.network.unsubscribe(this.id, group);
      this.leaveMeshOnceGroupsLeft();
    }
    this.options.onChange?.(this, { kind: report.kind === 'install' ? 'group-install' : 'group-status', group });
  }

  private onMeshStatus(status: MeshStatus): void {
    this.meshStatus = status;
    this.statusLog.push({ at: this.now, status });
    if (status === 'left' || status === 'removed') {
      // The mesh history ends without a crash: the incarnation stays a correct member for view
      // agreement and the same view sequence, and is no longer live. Its groups end like a
      // crash: it never installs a view of them again, and a later incarnation joins afresh.
      this.nodeState = status;
      this.meshHistory.events.push({ kind: 'leave', at: this.now });
      this.rejoins = [...this.groups.values()].filter((m) => !m.ended).map((m) => m.group);
      for (const member of this.groups.values()) member.crash(this.now);
      this.options.network.detach(this.id);
    }
    this.options.onChange?.(this, { kind: 'mesh-status' });
  }

  private reincarnate(id: string): void {
    const next = this.options.onIncarnation?.(this, id, {
      machine: this.machine,
      groups: this.rejoins,
      leaving: this.leaving,
    });
    if (next === undefined) return this.fail(`the machine rejoined as ${id}, which this run did not configure`);
    this.successor = next;
  }

  private send(to: NodeDestination, frame: Frame): void {
    let bytes: Uint8Array;
    try {
      bytes = encodeFrame(frame);
    } catch (error) {
      return this.fail(`${frame.kind} frame did not encode: ${describe(error)}`);
    }
    const network = this.options.network;
    if (to.kind === 'node') network.unicast(this.id, to.node, frame.kind, bytes);
    else network.publish(this.id, frame.kind, bytes, to.kind === 'mesh' ? MESH_GROUP : to.group);
  }
}

// The message only: a stack names call sites, which would make two runs of one seed differ.
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
