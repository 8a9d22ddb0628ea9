import type {
  Frame,
  MeshConfig,
  MeshDestination,
  MeshFrame,
  MeshInput,
  MeshOutput,
  MeshStatus,
  View,
} from '@cohort/core';
import { decodeFrame, encodeFrame, MESH_GROUP, MeshMachine } from '@cohort/core';
import type { HistoryEvent, MemberHistory } from '@cohort/checkers';
import type { SimClock } from './clock.js';
import type { Endpoint, SimNetwork } from './network.js';
import { describeFrame } from './trace.js';

export const MeshNodeState = {
  idle: 'idle',
  running: 'running',
  paused: 'paused',
  crashed: 'crashed',
  left: 'left',
  /** Its machine reported 'removed': this incarnation is over; the runtime rejoins under a new id. */
  removed: 'removed',
} as const;
export type MeshNodeState = (typeof MeshNodeState)[keyof typeof MeshNodeState];

/** What just happened to a node, for the simulator's timeline and convergence tracking. */
export type MeshChange = 'install' | 'status' | 'crash' | 'pause' | 'resume';

export interface SimMeshNodeOptions {
  readonly id: string;
  readonly config: MeshConfig;
  readonly clock: SimClock;
  readonly network: SimNetwork;
  /** After every install, status change, crash or pause/resume: the simulator re-evaluates convergence. */
  readonly onChange?: (node: SimMeshNode, change: MeshChange) => void;
  /** This incarnation ended with 'removed'. */
  readonly onRemoved?: (node: SimMeshNode) => void;
  readonly trace?: (line: string) => void;
}

/**
 * One node of the mesh: a MeshMachine driven by the clock and the bus, its outputs executed and
 * its history kept in the checkers' shape (group '$mesh', installs only; crash, leave and removal
 * end it). Frames cross the bus as bytes, so the real codec encodes and validates every one.
 */
export class SimMeshNode implements Endpoint {
  readonly id: string;
  readonly history: MemberHistory;
  /** Every status the machine reported, with its virtual time. */
  readonly statusLog: Array<{ at: number; status: MeshStatus }> = [];
  readonly drops: Record<string, number> = {};
  readonly errors: string[] = [];
  startedAt: number | undefined;
  private readonly machine: MeshMachine;
  private nodeState: MeshNodeState = 'idle';
  private meshStatus: MeshStatus | undefined;
  private view: View | undefined;

  constructor(private readonly options: SimMeshNodeOptions) {
    this.id = options.id;
    this.machine = new MeshMachine(options.id, options.config);
    // No multicasts in the mesh: the ordering and delivery modes only satisfy the history shape.
    this.history = { member: options.id, group: MESH_GROUP, ordering: 'fifo', delivery: 'agreed', events: [] };
  }

  get state(): MeshNodeState {
    return this.nodeState;
  }

  get status(): MeshStatus | undefined {
    return this.meshStatus;
  }

  get currentView(): View | undefined {
    return this.view;
  }

  get accepting(): boolean {
    return this.nodeState === 'running';
  }

  /** Running or paused: a process of the current run that the faults may still hit. */
  get alive(): boolean {
    return this.nodeState === 'running' || this.nodeState === 'paused';
  }

  start(): void {
    if (this.nodeState !== 'idle') return;
    this.nodeState = 'running';
    this.startedAt = this.now;
    this.options.network.attach(this.id, this);
    this.options.network.subscribe(this.id);
    this.step({ kind: 'start', now: this.now });
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
    if (frame.group !== MESH_GROUP) {
      this.errors.push(`t=${this.now} ${this.id}: a ${frame.kind} frame of group ${frame.group} on the mesh bus`);
      return;
    }
    this.step({ kind: 'frame', frame: frame as MeshFrame, now: this.now });
  }

  /** leave() was called: the node may still be handing over, but it is on its way out. */
  leaving = false;

  leave(): void {
    this.leaving = true;
    if (this.nodeState === 'running') this.step({ kind: 'leave', now: this.now });
  }

  crash(): void {
    if (!this.alive) return;
    this.nodeState = 'crashed';
    this.record({ kind: 'crash', at: this.now });
    this.options.network.detach(this.id);
    this.options.onChange?.(this, 'crash');
  }

  pause(): void {
    if (this.nodeState !== 'running') return;
    this.nodeState = 'paused';
    this.options.onChange?.(this, 'pause');
  }

  /** Wakes with the state it had when paused: the machine learns of the time gap on its next tick. */
  resume(): void {
    if (this.nodeState !== 'paused') return;
    this.nodeState = 'running';
    this.options.onChange?.(this, 'resume');
  }

  private get now(): number {
    return this.options.clock.now;
  }

  private record(event: HistoryEvent): void {
    this.history.events.push(event);
  }

  private step(input: MeshInput): void {
    let outputs: MeshOutput[];
    try {
      outputs = this.machine.step(input);
    } catch (error) {
      this.errors.push(`t=${this.now} ${this.id}: MeshMachine threw on ${input.kind}: ${describe(error)}`);
      this.crash();
      return;
    }
    const trace = this.options.trace;
    if (trace !== undefined && (input.kind !== 'tick' || outputs.length > 0)) {
      trace(`t=${this.now} ${this.id} <- ${input.kind === 'frame' ? describeFrame(input.frame) : input.kind}`);
      for (const output of outputs) trace(`t=${this.now} ${this.id} -> ${describeMeshOutput(output)}`);
    }
    for (const output of outputs) this.apply(output);
  }

  private apply(output: MeshOutput): void {
    switch (output.kind) {
      case 'send':
        return this.send(output.to, output.frame);
      case 'install':
        this.view = output.view;
        this.record({ kind: 'install', view: copyView(output.view), at: this.now });
        this.options.onChange?.(this, 'install');
        return;
      case 'status':
        return this.onStatus(output.status);
      case 'drop':
        this.drops[output.frame.kind] = (this.drops[output.frame.kind] ?? 0) + 1;
        return;
      case 'suspect':
        return;
    }
  }

  private onStatus(status: MeshStatus): void {
    this.meshStatus = status;
    this.statusLog.push({ at: this.now, status });
    if (status === 'left' || status === 'removed') {
      // For the checkers both end the member's history without a crash: it stays a correct
      // member for view agreement and the same view sequence, and is no longer live.
      this.nodeState = status;
      this.record({ kind: 'leave', at: this.now });
      this.options.network.detach(this.id);
      if (status === 'removed') this.options.onRemoved?.(this);
    }
    this.options.onChange?.(this, 'status');
  }

  private send(to: MeshDestination, frame: MeshFrame): void {
    let bytes: Uint8Array;
    try {
      bytes = encodeFrame(frame);
    } catch (error) {
      this.errors.push(`t=${this.now} ${this.id}: ${frame.kind} frame did not encode: ${describe(error)}`);
      return;
    }
    if (to.kind === 'mesh') this.options.network.publish(this.id, frame.kind, bytes);
    else this.options.network.unicast(this.id, to.node, frame.kind, bytes);
  }
}

export function describeMeshOutput(output: MeshOutput): string {
  switch (output.kind) {
    case 'send':
      return `send ${output.to.kind === 'mesh' ? `mesh/${output.to.channel}` : `to ${output.to.node}`}: ${describeFrame(output.frame)}`;
    case 'install':
      return `install view ${output.view.id} [${output.view.members.join(',')}]`;
    case 'status':
      return `status ${output.status}`;
    case 'suspect':
      return `suspect ${output.member}${output.unreachable ? ' unreachable' : ' reachable again'}`;
    case 'merging':
      return `merging into the mesh of ${output.into} (${output.size} nodes; this one has ${output.ownSize})`;
    case 'drop':
      return `drop ${describeFrame(output.frame)}: ${output.detail}`;
  }
}

// The history must not alias the machine's objects: a later mutation would rewrite the past.
export function copyView(view: View): View {
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

// The message only: a stack names call sites, which would make two runs of one seed differ.
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
