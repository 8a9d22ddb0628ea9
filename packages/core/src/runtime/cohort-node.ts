import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Observable } from 'rxjs';
import { AlreadyJoinedError, JoinTimeoutError, NodeClosedError } from '../errors.js';
import { newNodeId, principalOf } from '../node-id.js';
import type { PayloadCodec } from '../payload-codec.js';
import { jsonCodec } from '../payload-codec.js';
import type { GroupProtocolConfig } from '../protocol/config.js';
import type { MeshStatus } from '../protocol/mesh/mesh-messages.js';
import { NodeMachine } from '../protocol/node/node-machine.js';
import type { NodeDestination, NodeInput, NodeOutput } from '../protocol/node/node-messages.js';
import type { View } from '../protocol/view.js';
import type { ParsedSubject } from '../subjects.js';
import { Subjects } from '../subjects.js';
import type { Transport, TransportMessage, TransportSubscription } from '../transport/transport.js';
import { decodeBundle, isBundle } from '../wire/bundle.js';
import { decodeFrame, encodeFrame } from '../wire/codec.js';
import { FrameDecodeError } from '../wire/frame-errors.js';
import { MESH_GROUP, isMeshFrame } from '../wire/frame.js';
import { Bundler } from './bundler.js';
import type { Group } from './group.js';
import type { GroupDriver } from './group-handle.js';
import { GroupHandle } from './group-handle.js';
import type { CohortLogger } from './logger.js';
import { ConsoleLogger } from './logger.js';
import { resolveMeshConfig } from './mesh-options.js';
import { MeshStreams } from './mesh-streams.js';
import type { JoinOptions, NodeOptions } from './options.js';
import { resolveProtocolConfig, validateJoinOptions, validateNodeOptions } from './options.js';
import type { CohortEvent } from './cohort-events.js';
import type { NodeCounters } from './node-observer.js';
import type { GroupStatusReport, NodeStatusReport } from './node-status.js';
import { GroupObserver, NodeObserver } from './node-observer.js';
import { DropCounters } from './stats.js';

interface Membership {
  readonly handle: GroupHandle<unknown>;
  readonly subscription: TransportSubscription;
  readonly observer: GroupObserver;
}

/** Drop reasons that are part of normal operation; the rest are logged as warnings. */
const ROUTINE_DROPS = new Set([
  'duplicate',
  'stale-view',
  'stale-ballot',
  'not-member',
  'left',
  'blocked',
  'unexpected',
  'future-overflow',
  'unknown-group',
  'directory-stale',
]);

/**
 * A process's presence in a Cohort namespace: drives the node's protocol machine (the mesh and
 * every joined group) over a Transport, with a real clock. Inbound frames are validated here
 * (subject grammar, decoding, the sender's name = the last subject token) before they reach protocol state;
 * everything dropped is counted in `stats` and logged.
 */
export class CohortNode {
  readonly namespace: string;
  /**
   * The node's name: the last token of every subject it publishes on, so that a NATS user may be
   * allowed to publish as this name only (docs/design/security.md). Its id is `<name>-<instance>`.
   */
  readonly principal: string;
  /** When this node started, ms since the epoch. */
  readonly startedAt = Date.now();
  readonly stats = new DropCounters();
  private readonly subjects: Subjects;
  private readonly logger: CohortLogger;
  private readonly config: GroupProtocolConfig & { tickMs: number };
  private readonly machine: NodeMachine;
  private readonly groups = new Map<string, Membership>();
  private readonly inputs: NodeInput[] = [];
  private busy = false;
  /** Data frames of this turn of the event loop, published as bundles at its end. */
  private readonly bundler: Bundler;
  /** The end of this turn is scheduled: order records or data frames wait for it. */
  private turnEndScheduled = false;
  private readonly endTurn = () => {
    this.turnEndScheduled = false;
    if (this.closed) return;
    if (this.machine.batchPending) this.dispatch({ kind: 'end-batch', now: this.now() });
    this.bundler.flush();
  };
  /** An owed safe-delivery digest: an end-batch once burstDigestMs passed. */
  private digestTimer: NodeJS.Timeout | undefined;
  private readonly owedDigest = () => {
    this.digestTimer = undefined;
    if (!this.closed) this.dispatch({ kind: 'end-batch', now: this.now() });
  };
  private inbox: TransportSubscription;
  private readonly meshSubscription: TransportSubscription;
  private readonly mesh: MeshStreams;
  private readonly observer: NodeObserver;
  private readonly meshLeaveTimeoutMs: number;
  private readonly timer: NodeJS.Timeout;
  private readonly driver: GroupDriver;
  private closed = false;
  /**
   * The id as of the output being executed: outputs of one step run after it, and those of the
   * old incarnation (its removal) come before the one that switches to the new id.
   */
  private currentId: string;

  constructor(
    private readonly transport: Transport,
    options: NodeOptions,
  ) {
    validateNodeOptions(options);
    this.config = resolveProtocolConfig(options, transport.maxPayload);
    this.namespace = options.namespace;
    this.subjects = new Subjects(options.namespace);
    this.logger = options.logger ?? new ConsoleLogger();
    this.bundler = new Bundler((subject, bytes) => this.publish(subject, bytes), transport.maxPayload);
    this.principal = options.name ?? 'node';
    const id = newNodeId(this.principal, randomBytes);
    this.currentId = id;
    this.driver = {
      multicast: (group, requestId, payload, type) =>
        this.dispatch({ kind: 'multicast', group, requestId, payload, type, now: this.now() }),
      leave: (group) => this.dispatch({ kind: 'leave', group, now: this.now() }),
      state: (group, viewId, state) => {
        this.groups.get(group)?.observer.stateSent(this.id, viewId, state.length);
        this.dispatch({ kind: 'state', group, viewId, state, now: this.now() });
      },
      maxMessageBytes: this.config.maxMessageBytes,
      flushTimeoutMs: this.config.flushTimeoutMs,
    };
    const meshConfig = resolveMeshConfig(options);
    this.machine = new NodeMachine(id, { mesh: meshConfig, group: this.config, rejoin: true });
    this.mesh = new MeshStreams(this.logger, (reason, detail) => this.countDrop(reason, detail));
    this.observer = new NodeObserver(this.logger, () => this.now());
    this.meshLeaveTimeoutMs = 2 * meshConfig.joinTimeoutMs;
    this.meshSubscription = transport.subscribe(this.subjects.meshWildcard(), (msg) => this.onTransportMessage(msg));
    this.inbox = transport.subscribe(this.subjects.nodeInbox(this.id), (msg) => this.onTransportMessage(msg));
    this.timer = setInterval(() => this.dispatch({ kind: 'tick', now: this.now() }), this.config.tickMs);
    this.timer.unref();
    transport.onConnectionChange?.((up) => {
      this.mesh.busChanged(this.id, up);
      this.dispatch({ kind: 'bus', up, now: this.now() });
    });
    this.dispatch({ kind: 'start', now: this.now() });
  }

  /**
   * This node's member id, exactly as it appears in views. It changes only when the primary mesh
   * removed this node and it rejoined as a new incarnation (`<id>-2`, ...).
   */
  get id(): string {
    return this.currentId;
  }

  /** The namespace's current mesh view (tier 1 of the membership service), once joined. */
  get meshView(): View | undefined {
    return this.mesh.view;
  }

  /**
   * What an operator may need to see, as it happens: view changes with their cause, suspicions,
   * flush phases, state transfers (docs/design/observability.md). Each is also logged. Completes
   * when the node closes.
   */
  get events$(): Observable<CohortEvent> {
    return this.observer.events$;
  }

  /** This node's state, JSON-serializable: mesh, groups with views and counters, drops. */
  status(): NodeStatusReport {
    const counters = this.counters();
    const groups: GroupStatusReport[] = [];
    for (const [name, m] of this.groups) {
      const { load, ...c } = counters.groups[name]!;
      const h = m.handle;
      const view = this.machine.groupView(name);
      groups.push({ name, status: h.status, ordering: h.ordering, delivery: h.delivery, view, counters: c, load });
    }
    return {
      id: this.id,
      name: this.principal,
      namespace: this.namespace,
      startedAt: this.startedAt,
      mesh: { status: this.mesh.status, view: this.mesh.view },
      groups,
      drops: counters.drops,
    };
  }

  /** Counters since start: drops by reason, the mesh's view changes, and per group. */
  counters(): NodeCounters {
    const groups: Record<string, NodeCounters['groups'][string]> = {};
    for (const [name, m] of this.groups) {
      const c = m.observer.counters;
      const load = this.machine.groupLoad(name) ?? { own: 0, ownBytes: 0, others: 0, queued: 0 };
      groups[name] = { ...c, viewChanges: { ...c.viewChanges }, load };
    }
    return { drops: this.stats.snapshot(), meshViewChanges: { ...this.observer.meshViewChanges }, groups };
  }

  /** Mesh views as this node installs them; replays the current one. */
  get meshViews$(): Observable<View> {
    return this.mesh.views$;
  }

  /**
   * joining → member ⇄ blocked → left; or removed (by the primary mesh) → joining again as a new
   * incarnation → member. Replays the current status.
   */
  get meshStatus$(): Observable<MeshStatus> {
    return this.mesh.status$;
  }

  get meshStatus(): MeshStatus {
    return this.mesh.status;
  }

  /** The largest payload that fits in one NATS message; larger multicasts go in pieces. */
  get maxPayloadBytes(): number {
    return this.config.maxPayloadBytes;
  }

  /** The largest multicast payload. */
  get maxMessageBytes(): number {
    return this.config.maxMessageBytes;
  }

  /** Joins a group; resolves with its handle once the first view is installed. */
  async join<T>(group: string, options: JoinOptions<T> = {}): Promise<Group<T>> {
    if (this.closed) throw new NodeClosedError({ group, member: this.id });
    const { ordering, delivery } = validateJoinOptions(group, options as JoinOptions<unknown>);
    if (this.groups.has(group)) throw new AlreadyJoinedError({ group, member: this.id });
    const codec = (options.codec ?? jsonCodec<T>()) as PayloadCodec<unknown>;
    const handle = new GroupHandle<unknown>(
      group,
      ordering,
      delivery,
      codec,
      this.driver,
      (error) => this.logger.warn(error.message, 'Cohort'),
      options.backlogLimit,
      options.state === undefined
        ? undefined
        : { options: options.state, codec: options.state.codec ?? (jsonCodec<unknown>() as PayloadCodec<unknown>) },
    );
    options.attach?.(handle as unknown as Group<T>);
    const subscription = this.transport.subscribe(this.subjects.groupWildcard(group), (msg) =>
      this.onTransportMessage(msg),
    );
    this.groups.set(group, { handle, subscription, observer: new GroupObserver(group, this.observer) });
    this.dispatch({
      kind: 'join',
      group,
      ordering: { ordering, delivery },
      state: options.state !== undefined,
      now: this.now(),
    });
    const timeoutMs = options.timeoutMs ?? this.config.joinTimeoutMs + 10_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        handle.firstView(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new JoinTimeoutError(timeoutMs, { group, member: this.id })), timeoutMs);
        }),
      ]);
    } catch (error) {
      // The coordinator may have admitted this node already: leave through the protocol (the
      // membership ends when it reports 'left'), rather than vanish as a ghost member.
      this.dispatch({ kind: 'leave', group, now: this.now() });
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return handle as unknown as Group<T>;
  }

  /** Leaves every group (through view changes), then the mesh, then flushes and closes the transport. */
  async close(): Promise<void> {
    if (this.closed) return;
    // Groups still joining are left with the mesh (leave-mesh drops them): waiting for them would
    // wait for a coordinator that may never answer.
    const joined = [...this.groups.values()].filter((m) => m.handle.status !== 'joining');
    // A blocked mesh cannot run the view changes: wait a while, then leave with the mesh anyway
    // (the survivors flush this node out as gone).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(joined.map((m) => m.handle.leave())),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, this.meshLeaveTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (!this.mesh.ended) {
      const ended = this.mesh.waitForEnd(this.meshLeaveTimeoutMs);
      this.dispatch({ kind: 'leave-mesh', now: this.now() });
      await ended;
    }
    this.closed = true;
    for (const m of this.groups.values()) m.handle.close('the node closed before the group could be left');
    this.meshSubscription.unsubscribe();
    this.observer.complete();
    clearInterval(this.timer);
    clearTimeout(this.digestTimer);
    this.inbox.unsubscribe();
    this.bundler.flush();
    await this.transport.close();
  }

  private now(): number {
    return performance.now();
  }

  /**
   * Feeds one input to the node's machine and executes its outputs. Inputs that arrive while
   * outputs are being executed (an application calling multicast() from a delivery callback)
   * are queued, so the machine's outputs are always executed in the order it produced them.
   */
  private dispatch(input: NodeInput): void {
    this.inputs.push(input);
    if (this.busy) return;
    this.busy = true;
    try {
      for (let next = this.inputs.shift(); next !== undefined; next = this.inputs.shift()) {
        for (const output of this.machine.step(next)) this.execute(output);
      }
      if (this.machine.batchPending || this.bundler.pending) this.scheduleTurnEnd();
      if (this.machine.digestOwed && this.digestTimer === undefined) {
        this.digestTimer = setTimeout(this.owedDigest, this.config.burstDigestMs);
        this.digestTimer.unref();
      }
    } finally {
      this.busy = false;
    }
  }

  /**
   * After the I/O callbacks of this turn of the event loop and the microtasks they caused
   * (multicasts from delivery callbacks), so that one order frame numbers all of them and one
   * bundle carries the data frames.
   */
  private scheduleTurnEnd(): void {
    if (this.turnEndScheduled) return;
    this.turnEndScheduled = true;
    setImmediate(this.endTurn);
  }

  private execute(output: NodeOutput): void {
    switch (output.kind) {
      case 'send': {
        const { to, frame } = output;
        const subject = this.subjectOf(to);
        let bytes: Uint8Array;
        try {
          bytes = encodeFrame(frame);
        } catch (error) {
          return this.publishFailed(subject, error);
        }
        if (frame.kind === 'nak' || frame.kind === 'order-nak' || (frame.kind === 'data' && frame.retransmit)) {
          this.groups.get(frame.group)?.observer.onRepair(frame);
        }
        if (to.kind === 'group' && to.channel === 'data') return this.bundler.add(subject, to.group, this.id, bytes);
        // Everything the protocol sent before this frame goes out before it.
        this.bundler.flush();
        return this.publish(subject, bytes);
      }
      case 'mesh':
        this.observer.onMeshOutput(this.id, output.output);
        return this.mesh.apply(this.id, output.output);
      case 'incarnation':
        this.logger.warn(`node ${output.previous} rejoins as the new incarnation ${output.id}`, 'Cohort');
        this.currentId = output.id;
        this.inbox.unsubscribe();
        this.inbox = this.transport.subscribe(this.subjects.nodeInbox(output.id), (msg) =>
          this.onTransportMessage(msg),
        );
        return;
      case 'drop':
        return this.countDrop(
          output.reason,
          `dropped ${output.frame.kind} from ${output.frame.sender}: ${output.detail}`,
        );
      case 'group': {
        const m = this.groups.get(output.group);
        if (m === undefined) return;
        const o = output.output;
        if (o.kind === 'drop') {
          return this.countDrop(
            o.reason,
            `group ${output.group}: dropped ${o.frame.kind} from ${o.frame.sender}: ${o.detail}`,
          );
        }
        if (o.kind === 'status' && o.status === 'left') this.forget(output.group);
        m.observer.onOutput(this.id, o);
        m.handle.apply(o);
        return;
      }
    }
  }

  private subjectOf(to: NodeDestination): string {
    switch (to.kind) {
      case 'mesh':
        return this.subjects.mesh(to.channel, this.principal);
      case 'group':
        return this.subjects.group(to.group, to.channel, this.principal);
      case 'node':
        return this.subjects.node(to.node, this.principal);
    }
  }

  private publish(subject: string, bytes: Uint8Array): void {
    try {
      this.transport.publish(subject, bytes);
    } catch (error) {
      this.publishFailed(subject, error);
    }
  }

  /**
   * The protocols retransmit and retry, so a failed publish (disconnected bus) is a loss they
   * recover from, not a crash.
   */
  private publishFailed(subject: string, error: unknown): void {
    this.stats.add('publish-failed');
    this.logger.warn(`publish on ${subject} failed: ${(error as Error).message}`, 'Cohort');
  }

  private forget(group: string): void {
    const m = this.groups.get(group);
    if (m === undefined) return;
    m.subscription.unsubscribe();
    this.groups.delete(group);
  }

  private countDrop(reason: string, detail: string): void {
    const n = this.stats.add(reason);
    if (!ROUTINE_DROPS.has(reason)) this.logger.warn(`${detail} (${reason}, ${n} so far)`, 'Cohort');
    else this.logger.debug?.(`${detail} (${reason})`, 'Cohort');
  }

  private onTransportMessage(msg: TransportMessage): void {
    const parsed = this.subjects.parse(msg.subject);
    if (parsed === undefined) return this.countDrop('bad-subject', `message on unexpected subject ${msg.subject}`);
    if (!isBundle(msg.data)) return this.onFrameBytes(parsed, msg.data, msg.subject, this.now());
    if (parsed.kind !== 'group' || parsed.channel !== 'data') {
      return this.countDrop('kind-mismatch', `a bundle on ${msg.subject}`);
    }
    let bundle;
    try {
      bundle = decodeBundle(msg.data, this.transport.maxPayload);
    } catch (error) {
      if (!(error instanceof FrameDecodeError)) throw error;
      return this.countDrop(`malformed:${error.reason}`, `${error.message} on ${msg.subject}`);
    }
    if (principalOf(bundle.sender) !== parsed.sender || bundle.group !== parsed.group) {
      return this.countDrop('sender-mismatch', `a bundle of ${bundle.sender} in ${bundle.group} on ${msg.subject}`);
    }
    // Each frame is checked as if it had come alone; they all arrived now.
    const now = this.now();
    for (const bytes of bundle.frames) this.onFrameBytes(parsed, bytes, msg.subject, now);
  }

  private onFrameBytes(parsed: ParsedSubject, data: Uint8Array, subject: string, now: number): void {
    let frame;
    try {
      frame = decodeFrame(data, this.transport.maxPayload);
    } catch (error) {
      if (!(error instanceof FrameDecodeError)) throw error;
      return this.countDrop(`malformed:${error.reason}`, `${error.message} on ${subject}`);
    }
    if (principalOf(frame.sender) !== parsed.sender) {
      return this.countDrop('sender-mismatch', `frame from ${frame.sender} published on ${subject}`);
    }
    if (parsed.kind === 'group' && frame.group !== parsed.group) {
      return this.countDrop('group-mismatch', `frame of group ${frame.group} published on ${subject}`);
    }
    // Mesh frames travel on mesh subjects or node inboxes, always with the reserved group name.
    const meshFrame = isMeshFrame(frame);
    if (meshFrame) this.observer.heard(frame.sender, now);
    if (meshFrame !== (frame.group === MESH_GROUP) || (parsed.kind === 'mesh' && !meshFrame)) {
      return this.countDrop('kind-mismatch', `${frame.kind} frame of ${frame.group} on ${subject}`);
    }
    this.dispatch({ kind: 'frame', frame, now });
  }
}
