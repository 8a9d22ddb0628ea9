import type { CheckAllResult, CheckResult, MemberHistory } from '@cohort/checkers';
import { checkAll } from '@cohort/checkers';
import type { View } from '@cohort/core';
import { DEFAULT_GROUP_PROTOCOL_CONFIG } from '@cohort/core';
import { replayCommand } from './args.js';
import { SimClock } from './clock.js';
import { scheduleFaults } from './fault-plan.js';
import type { NetworkStats } from './network.js';
import { SimNetwork } from './network.js';
import { formatFailure } from './report.js';
import { Rng } from './rng.js';
import type { ScenarioInput, ScenarioOptions } from './scenario.js';
import { livenessExpected, resolveScenario } from './scenario.js';
import { SimNode } from './sim-node.js';
import { simulatorChecks } from './sim-checks.js';
import { scheduleWorkload } from './workload.js';

export interface NodeStats {
  readonly id: string;
  readonly state: string;
  readonly status: string | undefined;
  readonly finalViewId: number | undefined;
  readonly issued: number;
  readonly acknowledged: number;
  readonly rejected: number;
  readonly unresolved: number;
  readonly delivered: number;
  /** Frames the protocol machine dropped, per DropReason. */
  readonly drops: Readonly<Record<string, number>>;
}

export interface SimStats {
  /** Clock events fired (ticks, frame arrivals, workload calls, faults). */
  readonly events: number;
  readonly virtualTimeMs: number;
  readonly network: NetworkStats;
  readonly nodes: readonly NodeStats[];
}

export interface ScenarioResult {
  readonly seed: number;
  readonly options: ScenarioOptions;
  readonly ok: boolean;
  readonly histories: MemberHistory[];
  /** Every safety check, liveness (when expected) and the simulator's own checks. */
  readonly check: CheckAllResult;
  /** The liveness result inside `check`, or undefined when liveness was not expected. */
  readonly liveness: CheckResult | undefined;
  readonly stats: SimStats;
  /** The fault plan as it happened, with virtual times, for reading a failing run. */
  readonly timeline: readonly string[];
  /** `npx vopr --seed N ...`: replays this run exactly. */
  readonly replay: string;
  /** Empty for a passing run; otherwise the seed, the replay command and the checkers' report. */
  readonly report: string;
}

/**
 * Runs one scenario to completion on virtual time: joins, the faulty phase with its workload,
 * then the quiet phase, then the checkers over the recorded histories. Everything random comes
 * from `seed`, so the same options always produce the same histories.
 */
export function runScenario(input: ScenarioInput, debug: RunDebugOptions = {}): ScenarioResult {
  return new Simulation(resolveScenario(input), debug).run();
}

/** Not part of the scenario: never changes what happens, only what is shown. */
export interface RunDebugOptions {
  /** One line per machine input/output of every node, and per fault. */
  readonly trace?: (line: string) => void;
}

class Simulation {
  private readonly clock = new SimClock();
  private readonly network: SimNetwork;
  private readonly nodes: SimNode[] = [];
  private readonly byId = new Map<string, SimNode>();
  private readonly timeline: string[] = [];
  private readonly config;
  private readonly rng: { net: Rng; plan: Rng; work: Rng; ticks: Rng; joins: Rng };
  private readonly end: number;
  private restarts = 0;
  private readonly creators = new Set<SimNode>();
  private readonly startScheduled = new Set<SimNode>();

  constructor(
    private readonly options: ScenarioOptions,
    private readonly debug: RunDebugOptions,
  ) {
    const root = new Rng(options.seed);
    this.rng = { net: root.fork(), plan: root.fork(), work: root.fork(), ticks: root.fork(), joins: root.fork() };
    this.config = { ...DEFAULT_GROUP_PROTOCOL_CONFIG, ...options.protocol };
    this.network = new SimNetwork(this.clock, this.rng.net, options.faults);
    this.end = options.durationMs + options.quietMs;
  }

  run(): ScenarioResult {
    const { options } = this;
    const initial = Array.from({ length: options.nodes }, (_, i) => this.addNode(`n${i}`));
    // The others wait for the first view (see JoinMode); `joinNext` starts them.
    this.clock.at(0, 'start', () => this.startNode(initial[0]!));
    scheduleFaults(
      this.faultHost(),
      this.rng.plan,
      initial.map((n) => n.id),
    );
    this.clock.at(options.durationMs, 'quiet', () => this.quiet());
    this.clock.runUntil(this.end);
    return this.result();
  }

  private addNode(id: string): SimNode {
    const node = new SimNode({
      id,
      group: this.options.group,
      config: this.config,
      ordering: this.options.ordering,
      state: this.options.state,
      clock: this.clock,
      network: this.network,
      onInstall: (n, view) => this.onInstall(n, view),
      // A joiner that leaves or crashes before its first view must not stall the joins after it.
      onGone: (n) => {
        if (n.currentView === undefined) this.joinNext(n);
      },
      ...(this.debug.trace !== undefined ? { trace: this.debug.trace } : {}),
    });
    this.nodes.push(node);
    this.byId.set(id, node);
    return node;
  }

  private startNode(node: SimNode): void {
    if (node.state !== 'idle') return;
    this.note(`${node.id} starts`);
    node.start();
    // The simulator plays the root's directory: a joiner creates the group when no live node
    // holds a view of it or was granted its creation, after the join timeout as a real node would.
    const exists = this.nodes.some(
      (n) => n !== node && n.alive && (n.currentView !== undefined || this.creators.has(n)),
    );
    if (!exists) {
      this.creators.add(node);
      this.clock.after(this.config.joinTimeoutMs, 'create', () => node.create());
    }
    const tickMs = this.options.tickMs;
    const tick = (): void => {
      if (node.state === 'crashed') return;
      node.tick();
      if (this.clock.now + tickMs <= this.end) this.clock.after(tickMs, 'tick', tick);
    };
    // A random phase per node: real processes' timers are not aligned.
    this.clock.after(this.rng.ticks.int(Math.max(1, Math.floor(tickMs))), 'tick', tick);
    if (this.clock.now < this.options.durationMs) {
      scheduleWorkload(this.clock, this.rng.work, node, this.options.messagesPerNode, this.options.durationMs);
    }
  }

  private onInstall(node: SimNode, view: View): void {
    this.note(`${node.id} installs view ${view.id} [${view.members.join(',')}]`);
    if (view.id === node.history.events.find((e) => e.kind === 'install')?.view.id) this.joinNext(node);
  }

  /** `node` has its first view (or gave up joining): the joiners waiting for it may go. */
  private joinNext(node: SimNode): void {
    // Several nodes can get their first view before a scheduled joiner starts: start each once.
    const idle = this.nodes.filter((n) => n.state === 'idle' && !this.startScheduled.has(n));
    if (idle.length === 0 || this.clock.now >= this.options.durationMs) return;
    const next = this.options.joins === 'sequential' ? idle.slice(0, 1) : node === this.nodes[0] ? idle : [];
    for (const n of next) {
      this.startScheduled.add(n);
      this.clock.after(this.rng.joins.int(this.options.joinSpreadMs + 1), 'start', () => this.startNode(n));
    }
  }

  private restart(crashed: SimNode): void {
    if (this.clock.now >= this.options.durationMs) return;
    const node = this.addNode(`${crashed.id.replace(/r\d+$/, '')}r${++this.restarts}`);
    this.note(`${crashed.id} restarts as ${node.id}`);
    this.startNode(node);
  }

  /** The quiet phase: every fault healed, nothing new requested; the protocol must now converge. */
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

  private faultHost() {
    return {
      clock: this.clock,
      network: this.network,
      options: this.options,
      node: (id: string) => this.byId.get(id),
      runningNodes: () => this.nodes.filter((n) => n.state === 'running' || n.state === 'paused'),
      // Nobody is joining or still waiting to start (a coordinator paused before the joiners start
      // would make each of them form a view of its own).
      settled: () =>
        this.nodes.every((n) => n.state !== 'idle' && (n.state !== 'running' || n.currentView !== undefined)),
      restart: (node: SimNode) => this.restart(node),
      note: (line: string) => this.note(line),
    };
  }

  private result(): ScenarioResult {
    const { options } = this;
    const histories = this.nodes.filter((n) => n.state !== 'idle').map((n) => n.history);
    const expectLiveness = livenessExpected(options);
    const checked = checkAll(histories, { quiescent: true, liveness: expectLiveness });
    const results = [...checked.results, ...simulatorChecks(this.nodes, expectLiveness)];
    const check: CheckAllResult = { ok: results.every((r) => r.ok), results, summary: checked.summary };
    const stats: SimStats = {
      events: this.clock.events,
      virtualTimeMs: this.clock.now,
      network: this.network.stats,
      nodes: this.nodes.map(nodeStats),
    };
    const replay = replayCommand(options);
    const partial = {
      seed: options.seed,
      options,
      ok: check.ok,
      histories,
      check,
      stats,
      timeline: this.timeline,
      replay,
    };
    return {
      ...partial,
      liveness: results.find((r) => r.name === 'liveness'),
      report: check.ok ? '' : formatFailure(partial),
    };
  }
}

function nodeStats(node: SimNode): NodeStats {
  const count = (outcome: string): number => node.requests.filter((r) => r.outcome === outcome).length;
  return {
    id: node.id,
    state: node.state,
    status: node.status,
    finalViewId: node.currentView?.id,
    issued: node.requests.length,
    acknowledged: count('acknowledged'),
    rejected: count('rejected'),
    unresolved: node.pendingRequests.length,
    delivered: node.history.events.filter((e) => e.kind === 'deliver').length,
    drops: node.drops,
  };
}
