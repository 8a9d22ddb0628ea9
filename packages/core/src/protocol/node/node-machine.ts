import type { DirectoryEntry, Frame, MeshFrame } from '../../wire/frame.js';
import { MESH_GROUP, isMeshFrame } from '../../wire/frame.js';
import type { GroupOrdering, GroupProtocolConfig } from '../config.js';
import { DEFAULT_GROUP_ORDERING } from '../config.js';
import { GroupMachine } from '../group-machine.js';
import type { GroupInput, GroupOutput } from '../messages.js';
import type { MeshConfig } from '../mesh/mesh-config.js';
import { MeshMachine } from '../mesh/mesh-machine.js';
import type { MeshInput, MeshOutput, MeshStatus } from '../mesh/mesh-messages.js';
import type { Backlog } from '../view-channel.js';
import type { MemberId, View } from '../view.js';
import { GroupDirectory } from './group-directory.js';
import type { NodeDestination, NodeInput, NodeOutput } from './node-messages.js';

/** Removed nodes remembered for groups joined later; older removals are long flushed out. */
const REMEMBERED_REMOVALS = 10_000;

export interface NodeConfig {
  readonly mesh: MeshConfig;
  readonly group: GroupProtocolConfig;
  /**
   * Once the primary mesh has removed this node (a minority side that heals, a process that
   * wakes up from a long pause), rejoin the mesh and every group as a new incarnation with a new
   * id, instead of staying out. Default false.
   */
  readonly rejoin?: boolean;
}

/**
 * One node of a namespace, as a pure state machine: the mesh (tier 1) and one GroupMachine per
 * joined group (tier 2), wired together (docs/design/group-membership.md):
 * - every mesh view becomes, in each group, the departure of the nodes it removed, so that the
 *   acting group coordinator (the oldest member still in the mesh) flushes them out, in every
 *   group at once;
 * - a blocked mesh blocks every group; a node removed from the mesh ends every membership;
 * - group creation goes through the root's directory, so that two first joins of one group
 *   at the same moment form one group, not two.
 */
export class NodeMachine {
  private out: NodeOutput[] = [];
  private self: MemberId;
  private incarnation = 1;
  private mesh: MeshMachine;
  private readonly groups = new Map<string, GroupMachine>();
  /** Groups joined before this node was in the mesh: started once it is. */
  private readonly unstarted = new Set<string>();
  /** Joining groups without a view: when each last asked the root whether it exists. */
  private readonly queries = new Map<string, number>();
  private readonly directory = new GroupDirectory();
  private meshView: View | undefined;
  /** The root this node reports to, and the last grant of that root it acted on. */
  private root: MemberId | undefined;
  private grantAck = 0;
  private lastReportAt = Number.NEGATIVE_INFINITY;
  private reportSeq = 0;
  /** The last census of the current root this node answered. */
  private censusSeen = 0;
  /** Nodes this node saw the mesh remove, most recent last (bounded: ids never come back). */
  private readonly removed = new Set<MemberId>();
  private reportDue = false;
  private now = 0;
  private batched = false;
  private owed = false;

  constructor(
    private readonly baseId: MemberId,
    private readonly config: NodeConfig,
  ) {
    this.self = baseId;
    this.mesh = new MeshMachine(baseId, config.mesh);
  }

  /** This incarnation's node id: the base id, then `<base>-2`, `<base>-3`, ... after removals. */
  get id(): MemberId {
    return this.self;
  }

  get currentMeshView(): View | undefined {
    return this.meshView;
  }

  get meshStatus(): MeshStatus {
    return this.mesh.status;
  }

  groupView(group: string): View | undefined {
    return this.groups.get(group)?.currentView;
  }

  /** A group's backlog (GroupMachine.backlog) and multicasts queued behind its window or a flush. */
  groupLoad(group: string): (Backlog & { readonly queued: number }) | undefined {
    const machine = this.groups.get(group);
    return machine === undefined ? undefined : { ...machine.backlog, queued: machine.queued };
  }

  /** A group holds order records or a safe-delivery digest for the next `end-batch` input. */
  get batchPending(): boolean {
    return this.batched;
  }

  /** A group owes a safe-delivery digest: an `end-batch` input `burstDigestMs` from now sends it. */
  get digestOwed(): boolean {
    return this.owed;
  }

  /** The root's directory (empty on other nodes): every group with its latest reported view and coordinator. */
  directoryEntries(): DirectoryEntry[] {
    return this.directory.entries();
  }

  step(input: NodeInput): NodeOutput[] {
    this.out = [];
    this.now = input.now;
    switch (input.kind) {
      case 'start':
      case 'bus':
        this.stepMesh(input);
        break;
      case 'leave-mesh':
        this.abandonJoins();
        this.stepMesh({ kind: 'leave', now: input.now });
        break;
      case 'tick':
        this.tick(input.now);
        break;
      case 'frame':
        this.onFrame(input);
        break;
      case 'join':
        this.onJoin(input.group, input.ordering ?? DEFAULT_GROUP_ORDERING, input.state ?? false, input.now);
        break;
      case 'state':
        this.stepGroup(input.group, { kind: 'state', viewId: input.viewId, state: input.state, now: input.now });
        break;
      case 'multicast':
        // Handed on as it is (one object less per multicast): the group machine ignores `group`.
        if (this.groups.has(input.group)) this.stepGroup(input.group, input);
        else this.emitGroup(input.group, { kind: 'rejected', requestId: input.requestId, reason: 'left' });
        break;
      case 'leave':
        if (this.groups.has(input.group)) this.stepGroup(input.group, { kind: 'leave', now: input.now });
        else this.emitGroup(input.group, { kind: 'status', status: 'left' });
        break;
      case 'end-batch':
        this.batched = false;
        this.owed = false;
        for (const group of [...this.groups.keys()]) this.stepGroup(group, input);
        break;
    }
    if (this.reportDue) this.report(this.now);
    return this.out;
  }

  private tick(now: number): void {
    this.stepMesh({ kind: 'tick', now });
    for (const group of [...this.groups.keys()]) this.stepGroup(group, { kind: 'tick', now });
    if (this.mesh.status !== 'member') return;
    for (const [group, askedAt] of this.queries) {
      if (now - askedAt >= this.config.group.joinTimeoutMs) this.query(group, now);
    }
    if (now - this.lastReportAt >= this.config.mesh.joinTimeoutMs) this.reportDue = true;
  }

  /**
   * A group is joined only once this node is in the mesh: a coordinator must never admit a node
   * the mesh does not know, or its crash would never be detected and the group's next flush
   * would wait for it forever.
   */
  private onJoin(group: string, ordering: GroupOrdering, state: boolean, now: number): void {
    if (this.groups.has(group)) return;
    const machine = new GroupMachine(group, this.self, this.config.group, ordering, state);
    this.groups.set(group, machine);
    if (this.meshView !== undefined) machine.step({ kind: 'mesh-view', members: this.meshView.members, now });
    // Nodes removed before this group was joined: a stale view that lists one must not be joined.
    if (this.removed.size > 0) machine.step({ kind: 'departed', members: [...this.removed], now });
    this.queries.set(group, Number.NEGATIVE_INFINITY);
    if (this.mesh.status === 'member') this.startGroup(group, now);
    else this.unstarted.add(group);
  }

  /**
   * Leaving the mesh, groups still joining are dropped at once: if a coordinator admitted this
   * node meanwhile, the mesh reports it gone and the group flushes it out like any departure.
   */
  private abandonJoins(): void {
    for (const [group, machine] of [...this.groups]) {
      if (machine.currentView === undefined) this.stepGroup(group, { kind: 'abandon', now: this.now });
    }
  }

  private startGroup(group: string, now: number): void {
    this.unstarted.delete(group);
    this.stepGroup(group, { kind: 'start', now });
    this.query(group, now);
  }

  private onFrame(input: Extract<NodeInput, { kind: 'frame' }>): void {
    const { frame, now } = input;
    if (isMeshFrame(frame)) {
      if (frame.kind === 'mdirq' || frame.kind === 'mdira' || frame.kind === 'mdirr' || frame.kind === 'mdirc') {
        return this.onDirectory(frame);
      }
      return this.stepMesh({ kind: 'frame', frame, now });
    }
    if (!this.groups.has(frame.group)) {
      return this.dropFrame('unknown-group', frame, `frame for group ${frame.group}, which this node has not joined`);
    }
    this.stepGroup(frame.group, input);
  }

  private dropFrame(reason: string, frame: Frame, detail: string): void {
    this.out.push({ kind: 'drop', reason, frame, detail });
  }

  // ---- the mesh -----------------------------------------------------------------------------

  private stepMesh(input: MeshInput): void {
    for (const output of this.mesh.step(input)) this.onMeshOutput(output);
  }

  private onMeshOutput(output: MeshOutput): void {
    switch (output.kind) {
      case 'send':
        return void this.out.push({ kind: 'send', to: output.to, frame: output.frame });
      case 'install':
        this.out.push({ kind: 'mesh', output });
        return this.onMeshInstall(output.view);
      case 'status':
        this.out.push({ kind: 'mesh', output });
        return this.onMeshStatus(output.status);
      default:
        this.out.push({ kind: 'mesh', output });
    }
  }

  private onMeshInstall(view: View): void {
    const previous = this.meshView;
    this.meshView = view;
    const departed = previous === undefined ? [] : previous.members.filter((m) => !view.members.includes(m));
    if (departed.length > 0) this.directory.depart(departed);
    if (view.coordinator === this.self) this.directory.setMembers(view.members.filter((m) => m !== this.self));
    for (const m of departed) this.remember(m);
    // A view committed as the node loses its majority comes with status 'blocked' in the same
    // step: block the groups first, so that none changes its view while the mesh is blocked.
    const blocked = this.mesh.status === 'blocked';
    for (const group of [...this.groups.keys()]) {
      if (blocked) this.stepGroup(group, { kind: 'blocked', blocked, now: this.now });
      this.stepGroup(group, { kind: 'mesh-view', members: view.members, now: this.now });
      if (departed.length > 0) this.stepGroup(group, { kind: 'departed', members: departed, now: this.now });
    }
    if (view.coordinator !== this.root) {
      // A new root rebuilds the directory from reports sent in this view or later.
      this.root = view.coordinator;
      this.grantAck = 0;
      this.censusSeen = 0;
      if (view.coordinator === this.self) {
        this.directory.takeOver(
          view.id,
          view.members.filter((m) => m !== this.self),
        );
      } else {
        this.directory.resign();
      }
      this.reportDue = true;
    }
    if (this.mesh.status === 'member') for (const group of this.queries.keys()) this.query(group, this.now);
    this.settleCensus();
  }

  private onMeshStatus(status: MeshStatus): void {
    const input: GroupInput =
      status === 'removed'
        ? { kind: 'evicted', now: this.now }
        : { kind: 'blocked', blocked: status === 'blocked', now: this.now };
    if (status === 'joining' || status === 'left') return;
    for (const group of [...this.groups.keys()]) this.stepGroup(group, input);
    if (status === 'member') {
      for (const group of [...this.unstarted]) this.startGroup(group, this.now);
      for (const group of this.queries.keys()) this.query(group, this.now);
    }
    if (status === 'removed' && this.config.rejoin === true) this.reincarnate();
  }

  /**
   * Starts over under a new id: a new mesh machine that only joins the primary, and a new
   * machine for every group this node was in, joining afresh. What the old incarnation delivered
   * stands; the new one is a new member of each group (DESIGN §3.11).
   */
  private reincarnate(): void {
    const previous = this.self;
    this.self = `${this.baseId}-${++this.incarnation}`;
    this.out.push({ kind: 'incarnation', id: this.self, previous });
    this.mesh = new MeshMachine(this.self, this.config.mesh, true);
    this.meshView = undefined;
    this.root = undefined;
    this.grantAck = 0;
    this.directory.resign();
    const groups = [...this.groups].map(([group, m]) => [group, m.ordering, m.transfersState] as const);
    this.groups.clear();
    this.queries.clear();
    this.unstarted.clear();
    this.stepMesh({ kind: 'start', now: this.now });
    for (const [group, ordering, state] of groups) this.onJoin(group, ordering, state, this.now);
  }

  private remember(departed: MemberId): void {
    this.removed.add(departed);
    if (this.removed.size > REMEMBERED_REMOVALS) this.removed.delete(this.removed.values().next().value!);
  }

  // ---- groups -------------------------------------------------------------------------------

  private stepGroup(group: string, input: GroupInput): void {
    const machine = this.groups.get(group);
    if (machine === undefined) return;
    const outputs = machine.step(input);
    if (machine.batchPending) this.batched = true;
    if (machine.digestOwed) this.owed = true;
    for (const output of outputs) {
      if (output.kind === 'send') {
        const to = output.to;
        this.out.push({
          kind: 'send',
          to: to.kind === 'group' ? groupDestination(group, to.channel) : to,
          frame: output.frame,
        });
        continue;
      }
      this.emitGroup(group, output);
      if (output.kind === 'install') {
        this.queries.delete(group);
        this.reportDue = true;
      } else if (output.kind === 'status' && output.status === 'left') {
        this.groups.delete(group);
        this.queries.delete(group);
        this.unstarted.delete(group);
        this.reportDue = true;
      }
    }
  }

  private emitGroup(group: string, output: Exclude<GroupOutput, { kind: 'send' }>): void {
    this.out.push({ kind: 'group', group, output });
  }

  // ---- the directory ------------------------------------------------------------------------

  private header(): { group: string; sender: MemberId; viewId: number } {
    return { group: MESH_GROUP, sender: this.self, viewId: this.meshView?.id ?? 0 };
  }

  /** Asks the root whether a group this node is joining exists, or may be created by it. */
  private query(group: string, now: number): void {
    const root = this.root;
    if (root === undefined || this.unstarted.has(group)) return;
    this.queries.set(group, now);
    if (root === this.self) return this.answer(this.self, group);
    this.out.push({
      kind: 'send',
      to: { kind: 'node', node: root },
      frame: { kind: 'mdirq', ...this.header(), name: group },
    });
  }

  private onDirectory(frame: Extract<MeshFrame, { kind: 'mdirq' | 'mdira' | 'mdirr' | 'mdirc' }>): void {
    const view = this.meshView;
    if (view === undefined || !view.members.includes(frame.sender)) {
      // Routine around removals: a removed node's last report, or one from a node not admitted here yet.
      return this.dropFrame('directory-stale', frame, `directory frame from ${frame.sender}, not in the mesh view`);
    }
    switch (frame.kind) {
      case 'mdirq':
        if (!this.directory.isRoot) return this.dropFrame('mesh-unexpected', frame, 'directory query, not root');
        return this.answer(frame.sender, frame.name);
      case 'mdirr':
        this.directory.report(frame.sender, frame.seq, frame.viewId, frame.ack, frame.census, frame.groups);
        return this.settleCensus();
      case 'mdirc':
        if (frame.sender !== this.root) {
          return this.dropFrame('directory-stale', frame, `directory census from ${frame.sender}, not the root`);
        }
        this.censusSeen = Math.max(this.censusSeen, frame.census);
        this.reportDue = true;
        return;
      case 'mdira':
        if (frame.sender !== this.root) {
          return this.dropFrame('mesh-unexpected', frame, `directory answer from ${frame.sender}, not the root`);
        }
        return this.onAnswer(frame.name, frame.grant);
    }
  }

  private answer(to: MemberId, group: string): void {
    if (this.mesh.status !== 'member') return;
    const answer = this.directory.query(to, group);
    if (answer.kind === 'wait') return;
    if (answer.kind === 'census') {
      const census: MeshFrame = { kind: 'mdirc', ...this.header(), census: answer.id };
      this.out.push({ kind: 'send', to: { kind: 'mesh', channel: 'ctl' }, frame: census });
      // Alone in the mesh, nobody else has to answer it.
      return this.settleCensus();
    }
    this.sendAnswer(to, group, answer.kind === 'grant' ? answer.id : 0);
  }

  private sendAnswer(to: MemberId, group: string, grant: number): void {
    if (to === this.self) return this.onAnswer(group, grant);
    const frame: MeshFrame = { kind: 'mdira', ...this.header(), name: group, grant };
    this.out.push({ kind: 'send', to: { kind: 'node', node: to }, frame });
  }

  /** The root decides the creations its census was taken for, once every node answered it. */
  private settleCensus(): void {
    if (this.mesh.status !== 'member') return;
    for (const a of this.directory.settle()) this.sendAnswer(a.to, a.group, a.grant);
  }

  /** Grant 0: the group exists, keep asking to join it. Otherwise this node creates it. */
  private onAnswer(group: string, grant: number): void {
    if (grant === 0) return;
    this.grantAck = Math.max(this.grantAck, grant);
    this.reportDue = true;
    if (this.queries.has(group) && this.mesh.status === 'member')
      this.stepGroup(group, { kind: 'create', now: this.now });
  }

  /** Tells the root which groups this node holds a view of (and which grant it acted on last). */
  private report(now: number): void {
    this.reportDue = false;
    const root = this.root;
    const view = this.meshView;
    if (root === undefined || view === undefined || this.mesh.status !== 'member') return;
    this.lastReportAt = now;
    const groups: DirectoryEntry[] = [];
    for (const [group, machine] of this.groups) {
      const v = machine.currentView;
      if (v !== undefined) groups.push({ group, viewId: v.id, coordinator: v.coordinator });
    }
    const seq = ++this.reportSeq;
    if (root === this.self) {
      this.directory.report(this.self, seq, view.id, this.grantAck, this.censusSeen, groups);
      return this.settleCensus();
    }
    this.out.push({
      kind: 'send',
      to: { kind: 'node', node: root },
      frame: { kind: 'mdirr', ...this.header(), seq, ack: this.grantAck, census: this.censusSeen, groups },
    });
  }
}

type GroupChannel = Extract<NodeDestination, { kind: 'group' }>['channel'];
/** Destinations are immutable: one object per group and channel, not one per frame. */
const groupDestinations = new Map<string, Record<GroupChannel, NodeDestination>>();

function groupDestination(group: string, channel: GroupChannel): NodeDestination {
  let byChannel = groupDestinations.get(group);
  if (byChannel === undefined) {
    const to = (c: GroupChannel): NodeDestination => ({ kind: 'group', group, channel: c });
    byChannel = { data: to('data'), order: to('order'), ctl: to('ctl'), join: to('join') };
    // Bounded: group names are few; a stream of new ones only costs the cache its hits.
    if (groupDestinations.size >= 1024) groupDestinations.clear();
    groupDestinations.set(group, byChannel);
  }
  return byChannel[channel];
}
