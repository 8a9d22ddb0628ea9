import type { CheckAllResult, MemberHistory } from '@cohort/checkers';
import { checkAll } from '@cohort/checkers';
import type { MeshConfig, NodeConfig, View } from '@cohort/core';
import { MESH_GROUP } from '@cohort/core';
import { SimClock } from '../clock.js';
import { converged } from '../mesh-checks.js';
import type { MeshFaultHost } from '../mesh-fault-plan.js';
import { SimNetwork } from '../network.js';
import { Rng } from '../rng.js';
import type { RunDebugOptions } from '../simulator.js';
import { fullReplayCommand } from './full-args.js';
import { fullChecks, groupConverged } from './full-checks.js';
import { scheduleFullFaults } from './full-fault-plan.js';
import type { FullChange, Predecessor } from './full-node.js';
import { SimFullNode } from './full-node.js';
import type { FullScenarioResult } from './full-result.js';
import { buildFullResult } from './full-result.js';
import type { FullScenarioInput, FullScenarioOptions } from './full-scenario.js';
import {
  fullGroupConfigOf,
  fullMeshConfigOf,
  groupNames,
  groupOrderingOf,
  resolveFullScenario,
} from './full-scenario.js';
import { drawGroupJoins, scheduleMulticasts } from './full-workload.js';
import { checkLifetimes, groupLifetimes, mergedSummary } from './group-lineage.js';

/**
 * Runs one full-node scenario on virtual time: n0 forms the mesh alone, the others join it, the
 * initial nodes join their groups (some at the same instant), the faulty phase with its workload,
 * then the quiet phase, then the checkers over every group's histories and the mesh's. A node the
 * mesh removed rejoins (with `rejoin`) as its NodeMachine does, under the id the machine picks
 * (`n1-2`); a crashed process comes back after restartAfterMs as a new process (`n1r1`). Either
 * joins its predecessor's groups again. Everything random comes from `seed`, so the same options
 * always produce the same histories.
 */
export function runFullScenario(input: FullScenarioInput, debug: RunDebugOptions = {}): FullScenarioResult {
  return new FullSimulation(resolveFullScenario(input), debug).run();
}

class FullSimulation {
  private readonly clock = new SimClock();
  private readonly network: SimNetwork;
  private readonly nodes: SimFullNode[] = [];
  private readonly byId = new Map<string, SimFullNode>();
  private readonly timeline: string[] = [];
  private readonly meshConfig: MeshConfig;
  private readonly config: NodeConfig;
  private readonly groups: readonly string[];
  private readonly rng: { net: Rng; plan: Rng; ticks: Rng; joins: Rng; groups: Rng; work: Rng; leaves: Rng };
  private readonly end: number;
  private restarts = 0;
  /** Initial nodes whose start is scheduled already. */
  private readonly scheduled = new Set<SimFullNode>();
  private meshConvergedAt: number | undefined;
  private groupsConvergedAt: number | undefined;
  private newest: View | undefined;
  /** Group joins given to a node at the same virtual time as another join of that group. */
  private concurrentJoins = 0;
  private readonly lastJoin = new Map<string, number>();
  /** Creations of a group while a node of the same mesh held a view of it (oneGroup). */
  private readonly duplicateGroups: string[] = [];

  constructor(
    private readonly options: FullScenarioOptions,
    private readonly debug: RunDebugOptions,
  ) {
    const root = new Rng(options.seed);
    this.rng = {
      net: root.fork(),
      plan: root.fork(),
      ticks: root.fork(),
      joins: root.fork(),
      groups: root.fork(),
      work: root.fork(),
      leaves: root.fork(),
    };
    this.meshConfig = fullMeshConfigOf(options);
    this.config = { mesh: this.meshConfig, group: fullGroupConfigOf(options), rejoin: options.rejoin };
    this.groups = groupNames(options);
    this.network = new SimNetwork(this.clock, this.rng.net, options.faults);
    this.end = options.durationMs + options.quietMs;
  }

  run(): FullScenarioResult {
    const initial = Array.from({ length: this.options.nodes }, (_, i) => this.addNode(`n${i}`));
    this.clock.at(0, 'start', () => this.startNode(initial[0]!));
    for (const join of drawGroupJoins(this.options, this.meshConfig.joinTimeoutMs, this.rng.groups)) {
      this.clock.at(join.at, 'join', () => this.byId.get(join.node)?.join(join.group));
    }
    scheduleFullFaults(this.faultHost(), this.options.script, this.options.groupLeaves, {
      nodes: this.rng.plan,
      groups: this.rng.leaves,
    });
    this.clock.at(this.options.durationMs, 'quiet', () => this.quiet());
    this.clock.runUntil(this.end);
    return this.result();
  }

  private addNode(id: string, predecessor?: Predecessor): SimFullNode {
    const node = new SimFullNode({
      id,
      config: this.config,
      clock: this.clock,
      network: this.network,
      orderingOf: (group) => groupOrderingOf(this.options, group),
      transfersState: this.options.state,
      onChange: (n, change) => this.onChange(n, change),
      onIncarnation: (previous, next, taken) => {
        const successor = this.addNode(next, taken);
        this.note(`${previous.id} rejoins as ${next}`);
        this.startNode(successor);
        return successor;
      },
      ...(predecessor !== undefined ? { predecessor } : {}),
      ...(this.debug.trace !== undefined ? { trace: this.debug.trace } : {}),
    });
    this.nodes.push(node);
    this.byId.set(id, node);
    return node;
  }

  private startNode(node: SimFullNode): void {
    if (node.state !== 'idle') return;
    this.note(`${node.id} starts`);
    node.start();
    const tickMs = this.options.tickMs;
    const tick = (): void => {
      if (!node.alive) return;
      node.tick();
      if (this.clock.now + tickMs <= this.end) this.clock.after(tickMs, 'tick', tick);
    };
    // A random phase per node: real processes' timers are not aligned.
    this.clock.after(this.rng.ticks.int(Math.max(1, Math.floor(tickMs))), 'tick', tick);
  }

  private onChange(node: SimFullNode, change: FullChange): void {
    switch (change.kind) {
      case 'mesh-install': {
        const view = node.currentView!;
        this.note(`${node.id} installs mesh view ${view.id} [${view.members.join(',')}]`);
        if (this.newest === undefined || view.id > this.newest.id) this.newest = view;
        this.startInitialNodes(node);
        break;
      }
      case 'mesh-status':
        this.note(`${node.id} is ${node.status ?? '-'} in the mesh`);
        if (!node.alive) this.startInitialNodes(node);
        break;
      case 'group-join':
        this.onGroupJoin(node, change.group);
        break;
      case 'group-install': {
        const view = node.groups.get(change.group)!.currentView!;
        this.note(`${node.id} installs ${change.group} view ${view.id} [${view.members.join(',')}]`);
        if (view.id === 1) this.checkCreation(node, change.group);
        break;
      }
      case 'group-status':
        this.note(`${node.id} is ${node.groups.get(change.group)!.status ?? '-'} in ${change.group}`);
        break;
      case 'crash':
        this.startInitialNodes(node);
        break;
      default:
        break;
    }
    this.trackConvergence();
  }

  /**
   * `node` just created `group` (its view 1). Nobody that it and that node both count as mesh
   * members may hold a view of the group then: that would be two groups of one name, which the
   * root's directory exists to prevent. (A re-creation after the group's last member left or
   * was removed, or by a node being cut off, is a limit of this build, not a violation.)
   */
  private checkCreation(node: SimFullNode, group: string): void {
    for (const other of this.nodes) {
      const member = other.groups.get(group);
      if (other === node || other.state !== 'running' || other.status !== 'member') continue;
      if (member?.currentView === undefined || member.ended || member.status === 'blocked') continue;
      if (
        node.currentView?.members.includes(other.id) !== true ||
        other.currentView?.members.includes(node.id) !== true
      )
        continue;
      this.duplicateGroups.push(
        `t=${this.clock.now} ${node.id} created ${group} (view 1) while ${other.id}, a member of the same mesh view, held ${group} view ${member.currentView.id}`,
      );
    }
  }

  private trackConvergence(): void {
    const now = this.clock.now;
    this.meshConvergedAt = converged(this.nodes) ? (this.meshConvergedAt ?? now) : undefined;
    const groups = this.groups.every((g) => groupConverged(this.nodes, g));
    this.groupsConvergedAt = groups ? (this.groupsConvergedAt ?? now) : undefined;
  }

  /**
   * The initial nodes after n0 start once n0 has a view (or is gone): all of them then, or one
   * after the other (sequential: each once the previous one has a view or is gone).
   */
  private startInitialNodes(node: SimFullNode): void {
    const { joins, joinSpreadMs, durationMs, nodes: count } = this.options;
    const index = this.nodes.indexOf(node);
    if (this.clock.now >= durationMs || index >= count) return;
    const next =
      joins === 'sequential'
        ? this.nodes.slice(index + 1, Math.min(index + 2, count))
        : index === 0
          ? this.nodes.slice(1, count)
          : [];
    for (const n of next) {
      if (this.scheduled.has(n)) continue;
      this.scheduled.add(n);
      const delay = joins === 'concurrent-after-first' ? 1 : 1 + this.rng.joins.int(joinSpreadMs);
      this.clock.after(delay, 'start', () => this.startNode(n));
    }
  }

  /** The workload of a fresh member of a group; counts joins that race another at the same instant. */
  private onGroupJoin(node: SimFullNode, group: string): void {
    const now = this.clock.now;
    if (this.lastJoin.get(group) === now) this.concurrentJoins++;
    this.lastJoin.set(group, now);
    this.note(`${node.id} joins ${group}`);
    scheduleMulticasts(this.clock, this.rng.work, node, group, this.options.messages, this.options.durationMs);
  }

  /**
   * A crashed process comes back, during the faulty phase only, as a new process with a new id
   * (`n2r1`); it joins the mesh and the groups the crashed one was in and not leaving.
   */
  private restart(crashed: SimFullNode): void {
    if (this.clock.now >= this.options.durationMs) return;
    const node = this.addNode(`${crashed.id.replace(/r\d+$/, '')}r${++this.restarts}`);
    this.note(`${crashed.id} restarts as ${node.id}`);
    this.startNode(node);
    for (const member of crashed.groups.values()) if (!member.leaving) node.join(member.group);
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

  private faultHost(): MeshFaultHost<SimFullNode> {
    return {
      clock: this.clock,
      network: this.network,
      options: this.options,
      config: this.meshConfig,
      node: (id) => this.byId.get(id),
      started: () => this.nodes.filter((n) => n.state !== 'idle'),
      newestView: () => this.newest,
      settled: () => this.nodes.every((n) => n.state !== 'idle' && (n.state !== 'running' || n.status !== 'joining')),
      converged: () => converged(this.nodes),
      restart: (node) => this.restart(node),
      note: (line) => this.note(line),
    };
  }

  private result(): FullScenarioResult {
    const { options } = this;
    const started = this.nodes.filter((n) => n.state !== 'idle');
    for (const n of started) for (const member of n.groups.values()) member.finish();
    const meshHistories = started.map((n) => n.meshHistory);
    const byGroup = this.groups.map((group) => ({
      group,
      histories: started.flatMap((n) => {
        const member = n.groups.get(group);
        return member !== undefined ? [member.history] : [];
      }),
    }));
    // A re-created group's lifetimes have unrelated view ids: each is checked on its own, and the
    // cross-tier check sees them under their lifetime's name.
    const lifetimes = byGroup.flatMap((g) => groupLifetimes(g.group, g.histories));
    const histories: MemberHistory[] = [
      ...meshHistories,
      ...lifetimes.flatMap((l) => l.histories.map((h) => ({ ...h, group: l.name }))),
    ];
    const quiescent = { quiescent: true, liveness: options.liveness };
    const verdicts = [
      // A mesh formed anew (beside a blocked one that then merges into it) has its own view ids.
      ...checkLifetimes(MESH_GROUP, meshHistories, quiescent),
      // Group views inherit the primary-partition decision from the mesh (see crossTier).
      ...lifetimes.map((lifetime) => ({
        scope: lifetime.name,
        check: checkAll(lifetime.histories, { ...quiescent, primaryPartition: false }),
      })),
    ];
    const own = fullChecks(
      {
        nodes: this.nodes,
        groups: this.groups,
        quietStart: options.durationMs,
        convergeWithinMs: options.convergeWithinMs,
        meshConvergedAt: this.meshConvergedAt,
        groupsConvergedAt: this.groupsConvergedAt,
        duplicateGroups: this.duplicateGroups,
      },
      histories,
      options.liveness,
    );
    const results = [
      ...verdicts.flatMap((v) => v.check.results.map((r) => ({ ...r, name: `${v.scope} ${r.name}` }))),
      ...own,
    ];
    const check: CheckAllResult = { ok: results.every((r) => r.ok), results, summary: mergedSummary(verdicts) };
    return buildFullResult({
      options,
      histories,
      check,
      nodes: this.nodes,
      groups: this.groups,
      events: this.clock.events,
      virtualTimeMs: this.clock.now,
      network: this.network.stats,
      meshConvergedAt: this.meshConvergedAt,
      groupsConvergedAt: this.groupsConvergedAt,
      concurrentJoins: this.concurrentJoins,
      timeline: this.timeline,
      replay: fullReplayCommand(options),
    });
  }
}
