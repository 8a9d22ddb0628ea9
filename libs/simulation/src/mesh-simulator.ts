import type { CheckAllResult, CheckResult, MemberHistory } from '@cohort/checkers';
import type { MeshConfig, MeshStatus, View } from '@cohort/core';
import { MESH_GROUP } from '@cohort/core';
import { meshReplayCommand } from './mesh-args.js';
import { SimClock } from './clock.js';
import { converged, meshChecks } from './mesh-checks.js';
import type { MeshFaultHost } from './mesh-fault-plan.js';
import { scheduleMeshFaults, scheduleMeshScript } from './mesh-fault-plan.js';
import type { MeshChange } from './mesh-node.js';
import { SimMeshNode } from './mesh-node.js';
import { formatMeshFailure } from './mesh-report.js';
import { checkLifetimes, mergedSummary } from './node/group-lineage.js';
import type { MeshScenarioInput, MeshScenarioOptions } from './mesh-scenario.js';
import { meshConfigOf, resolveMeshScenario } from './mesh-scenario.js';
import type { NetworkStats } from './network.js';
import { SimNetwork } from './network.js';
import { Rng } from './rng.js';
import type { RunDebugOptions } from './simulator.js';

export interface MeshNodeStats {
  readonly id: string;
  readonly state: string;
  readonly status: MeshStatus | undefined;
  readonly startedAt: number | undefined;
  readonly finalViewId: number | undefined;
  readonly finalMembers: readonly string[] | undefined;
  readonly statusLog: ReadonlyArray<{ at: number; status: MeshStatus }>;
  /** Frames the machine dropped, per frame kind. */
  readonly drops: Readonly<Record<string, number>>;
}

export interface MeshSimStats {
  readonly events: number;
  readonly virtualTimeMs: number;
  readonly network: NetworkStats;
  readonly nodes: readonly MeshNodeStats[];
}

export interface MeshScenarioResult {
  readonly seed: number;
  readonly options: MeshScenarioOptions;
  readonly ok: boolean;
  /** One per incarnation that started, group '$mesh'. */
  readonly histories: MemberHistory[];
  readonly check: CheckAllResult;
  readonly liveness: CheckResult | undefined;
  /**
   * Virtual ms from the start of the quiet phase until the live nodes last became one view of
   * exactly themselves (0 if they already were); undefined if they are not at the end.
   */
  readonly convergenceMs: number | undefined;
  readonly stats: MeshSimStats;
  readonly timeline: readonly string[];
  /** `npx vopr --mesh --seed N ...`: replays this run exactly. */
  readonly replay: string;
  readonly report: string;
}

/**
 * Runs one mesh scenario on virtual time: n0 forms the mesh alone, the others join, the faulty
 * phase, then the quiet phase, then the checkers over every incarnation's history of mesh views.
 * A node its machine reports 'removed' rejoins at once as a new incarnation (new id), as the
 * runtime is meant to (it only logs an error so far). Everything random comes from `seed`.
 */
export function runMeshScenario(input: MeshScenarioInput, debug: RunDebugOptions = {}): MeshScenarioResult {
  return new MeshSimulation(resolveMeshScenario(input), debug).run();
}

class MeshSimulation {
  private readonly clock = new SimClock();
  private readonly network: SimNetwork;
  private readonly nodes: SimMeshNode[] = [];
  private readonly byId = new Map<string, SimMeshNode>();
  private readonly timeline: string[] = [];
  private readonly config: MeshConfig;
  private readonly rng: { net: Rng; plan: Rng; ticks: Rng; joins: Rng };
  private readonly end: number;
  private incarnations = 0;
  private readonly released = new Set<SimMeshNode>();
  private convergedAt: number | undefined;
  private newest: View | undefined;

  constructor(
    private readonly options: MeshScenarioOptions,
    private readonly debug: RunDebugOptions,
  ) {
    const root = new Rng(options.seed);
    this.rng = { net: root.fork(), plan: root.fork(), ticks: root.fork(), joins: root.fork() };
    this.config = meshConfigOf(options);
    this.network = new SimNetwork(this.clock, this.rng.net, options.faults);
    this.end = options.durationMs + options.quietMs;
  }

  run(): MeshScenarioResult {
    const initial = Array.from({ length: this.options.nodes }, (_, i) => this.addNode(`n${i}`));
    this.clock.at(0, 'start', () => this.startNode(initial[0]!));
    const host = this.faultHost();
    scheduleMeshFaults(host, this.rng.plan);
    scheduleMeshScript(host, this.options.script);
    this.clock.at(this.options.durationMs, 'quiet', () => this.quiet());
    this.clock.runUntil(this.end);
    return this.result();
  }

  private addNode(id: string): SimMeshNode {
    const node = new SimMeshNode({
      id,
      config: this.config,
      clock: this.clock,
      network: this.network,
      onChange: (n, change) => this.onChange(n, change),
      onRemoved: (n) => this.clock.after(0, 'rejoin', () => this.rejoin(n)),
      ...(this.debug.trace !== undefined ? { trace: this.debug.trace } : {}),
    });
    this.nodes.push(node);
    this.byId.set(id, node);
    return node;
  }

  private startNode(node: SimMeshNode): void {
    if (node.state !== 'idle') return;
    this.note(`${node.id} starts`);
    node.start();
    const tickMs = this.options.tickMs;
    const tick = (): void => {
      if (node.state === 'crashed' || node.state === 'left' || node.state === 'removed') return;
      node.tick();
      if (this.clock.now + tickMs <= this.end) this.clock.after(tickMs, 'tick', tick);
    };
    // A random phase per node: real processes' timers are not aligned.
    this.clock.after(this.rng.ticks.int(Math.max(1, Math.floor(tickMs))), 'tick', tick);
  }

  private onChange(node: SimMeshNode, change: MeshChange): void {
    const view = node.currentView;
    if (change === 'install' && view !== undefined) {
      this.note(`${node.id} installs view ${view.id} [${view.members.join(',')}]`);
      if (this.newest === undefined || view.id > this.newest.id) this.newest = view;
    } else if (change === 'status') {
      this.note(`${node.id} is ${node.status ?? '-'}`);
    }
    this.releaseJoins(node);
    if (!converged(this.nodes)) this.convergedAt = undefined;
    else if (this.convergedAt === undefined) this.convergedAt = this.clock.now;
  }

  /** Starts the initial nodes after n0, per the join mode, once `node` has a view or is gone. */
  private releaseJoins(node: SimMeshNode): void {
    const index = this.nodes.indexOf(node);
    if (this.clock.now >= this.options.durationMs || index >= this.options.nodes || this.released.has(node)) return;
    if (node.currentView === undefined && node.alive) return;
    const { joins, joinSpreadMs } = this.options;
    const initial = this.nodes.slice(0, this.options.nodes);
    if (joins === 'sequential') {
      const next = initial[index + 1];
      if (next === undefined) return;
      this.released.add(node);
      this.clock.after(1 + this.rng.joins.int(joinSpreadMs), 'start', () => this.startNode(next));
      return;
    }
    if (index !== 0) return;
    this.released.add(node);
    for (const n of initial.slice(1)) {
      const delay = joins === 'staggered' ? 1 + this.rng.joins.int(joinSpreadMs) : 1;
      this.clock.after(delay, 'start', () => this.startNode(n));
    }
  }

  private nextIncarnation(previous: SimMeshNode): SimMeshNode {
    return this.addNode(`${previous.id.replace(/r\d+$/, '')}r${++this.incarnations}`);
  }

  /** A crashed process comes back as a new incarnation, during the faulty phase only. */
  private restart(crashed: SimMeshNode): void {
    if (this.clock.now >= this.options.durationMs) return;
    const node = this.nextIncarnation(crashed);
    this.note(`${crashed.id} restarts as ${node.id}`);
    this.startNode(node);
  }

  /** The runtime's answer to 'removed': a new incarnation joins at once, even in the quiet phase. */
  private rejoin(removed: SimMeshNode): void {
    const node = this.nextIncarnation(removed);
    this.note(`${removed.id} rejoins as ${node.id}`);
    this.startNode(node);
  }

  private quiet(): void {
    this.note('quiet phase: faults off, partitions healed, paused nodes resumed');
    this.network.setFaults({ ...this.options.faults, loss: 0, duplicate: 0 });
    this.network.heal();
    for (const node of this.nodes) node.resume();
  }

  private note(line: string): void {
    this.timeline.push(`t=${this.clock.now} ${line}`);
    this.debug.trace?.(`t=${this.clock.now} ** ${line}`);
  }

  private faultHost(): MeshFaultHost {
    return {
      clock: this.clock,
      network: this.network,
      options: this.options,
      config: this.config,
      node: (id) => this.byId.get(id),
      started: () => this.nodes.filter((n) => n.state !== 'idle'),
      newestView: () => this.newest,
      settled: () => this.nodes.every((n) => n.state !== 'idle' && (n.state !== 'running' || n.status !== 'joining')),
      converged: () => converged(this.nodes),
      restart: (node) => this.restart(node),
      note: (line) => this.note(line),
    };
  }

  private result(): MeshScenarioResult {
    const { options } = this;
    const histories = this.nodes.filter((n) => n.state !== 'idle').map((n) => n.history);
    // A mesh formed anew beside a blocked one (which then merges into it) has its own view ids:
    // each lifetime is checked on its own, the first under the plain names.
    const verdicts = checkLifetimes(MESH_GROUP, histories, { quiescent: true, liveness: options.liveness });
    const convergedAt = this.convergedAt;
    const own = meshChecks(
      { nodes: this.nodes, quietStart: options.durationMs, convergeWithinMs: options.convergeWithinMs, convergedAt },
      options.liveness,
    );
    const results = [
      ...verdicts.flatMap((v) =>
        v.scope === MESH_GROUP ? v.check.results : v.check.results.map((r) => ({ ...r, name: `${v.scope} ${r.name}` })),
      ),
      ...own,
    ];
    const check: CheckAllResult = { ok: results.every((r) => r.ok), results, summary: mergedSummary(verdicts) };
    const stats: MeshSimStats = {
      events: this.clock.events,
      virtualTimeMs: this.clock.now,
      network: this.network.stats,
      nodes: this.nodes.map(nodeStats),
    };
    const partial = {
      seed: options.seed,
      options,
      ok: check.ok,
      histories,
      check,
      convergenceMs: convergedAt === undefined ? undefined : Math.max(0, convergedAt - options.durationMs),
      stats,
      timeline: this.timeline,
      replay: meshReplayCommand(options),
    };
    return {
      ...partial,
      liveness: results.find((r) => r.name === 'liveness'),
      report: check.ok ? '' : formatMeshFailure(partial),
    };
  }
}

function nodeStats(node: SimMeshNode): MeshNodeStats {
  return {
    id: node.id,
    state: node.state,
    status: node.status,
    startedAt: node.startedAt,
    finalViewId: node.currentView?.id,
    finalMembers: node.currentView?.members,
    statusLog: node.statusLog,
    drops: node.drops,
  };
}
