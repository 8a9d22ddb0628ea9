import type {
  GroupCounters,
  GroupLoad,
  GroupStatus,
  GroupStatusReport,
  MemberId,
  MeshStatus,
  NodeStatusReport,
  View,
} from '@cohort/core';
import type { StatusTruncation } from './status-protocol.js';

// One picture of a namespace from the nodes' own reports: each node knows its own counters and
// the views it installed, so the mesh view is taken from the root's report, a group's from the
// newest view any member reports, and each member's counters from that member's report.

/** A report as it arrived, with the cut the node had to make to fit it in one message. */
export interface ReceivedReport {
  readonly node: NodeStatusReport;
  readonly truncated?: StatusTruncation;
  /** When it arrived, ms since the epoch (by the asker's clock). */
  readonly at: number;
}

export interface NodeSummary {
  readonly id: MemberId;
  readonly name: string;
  readonly startedAt: number;
  /** The asker's clock at the answer minus the node's startedAt: clock skew between hosts shows here. */
  readonly ageMs: number;
  readonly meshStatus: MeshStatus;
  readonly meshViewId: number | undefined;
  /** Groups the node is in, those its answer left out included. */
  readonly groups: number;
  /** Frames the node dropped, all reasons and groups together (reasons in its report). */
  readonly drops: number;
  readonly truncated?: StatusTruncation;
}

export interface MeshSummary {
  /** The oldest member of the mesh view: the root coordinator. */
  readonly root: MemberId | undefined;
  /** The view comes from the root's own report; if false, from the newest view another node reports. */
  readonly rootAnswered: boolean;
  readonly view: View | undefined;
  /** Members of the view whose report did not arrive (those that refused are in the gathering's errors). */
  readonly missing: readonly MemberId[];
  /** Nodes that answered but are not in the view (joining, blocked, removed, or in another mesh). */
  readonly outside: readonly MemberId[];
  /** Other nodes that report themselves the root of a different view: a split, or a merge under way. */
  readonly otherRoots: readonly { readonly id: MemberId; readonly viewId: number; readonly members: number }[];
}

/**
 * How a member's row was filled: from its report, or why not. `truncated`: its answer left this
 * group out (it is in more groups than fit in one message); `absent`: it answered without this
 * group (it left, or a new incarnation has not joined yet).
 */
export type MemberDetail = 'reported' | 'no-answer' | 'truncated' | 'absent';

export interface GroupMemberSummary {
  readonly id: MemberId;
  readonly detail: MemberDetail;
  readonly status?: GroupStatus;
  /** The view this member reports, which lags the group's during a view change. */
  readonly viewId?: number;
  readonly counters?: GroupCounters;
  readonly load?: GroupLoad;
  /** The member node's drops (per node, not per group). */
  readonly nodeDrops?: number;
}

export interface GroupSummary {
  readonly name: string;
  readonly ordering: GroupStatusReport['ordering'];
  readonly delivery: GroupStatusReport['delivery'];
  /** The newest view any answering member reports; undefined while every one is still joining. */
  readonly view: View | undefined;
  /** One row per member of that view, in its order (oldest first, the coordinator first). */
  readonly members: readonly GroupMemberSummary[];
  /** Nodes that report the group but are not in that view: joining, blocked, or behind. */
  readonly others: readonly GroupMemberSummary[];
}

export interface MergedStatus {
  readonly mesh: MeshSummary;
  readonly nodes: readonly NodeSummary[];
  readonly groups: readonly GroupSummary[];
}

function sum(counts: Record<string, number>): number {
  let n = 0;
  for (const v of Object.values(counts)) n += v;
  return n;
}

/** The newest of the views (the highest id; the first of equals). */
function newest(views: Iterable<View | undefined>): View | undefined {
  let best: View | undefined;
  for (const v of views) if (v !== undefined && (best === undefined || v.id > best.id)) best = v;
  return best;
}

/** The root's view of the mesh: each node that is the oldest member of its own view is a root. */
export function meshSummary(reports: readonly ReceivedReport[]): MeshSummary {
  const roots = reports
    .map((r) => r.node)
    .filter((n) => n.mesh.view !== undefined && n.mesh.view.members[0] === n.id)
    .sort((a, b) => b.mesh.view!.id - a.mesh.view!.id || b.mesh.view!.members.length - a.mesh.view!.members.length);
  const rootReport = roots[0];
  const view = rootReport?.mesh.view ?? newest(reports.map((r) => r.node.mesh.view));
  const answered = new Set(reports.map((r) => r.node.id));
  const inView = new Set(view?.members ?? []);
  return {
    root: view?.members[0],
    rootAnswered: rootReport !== undefined,
    view,
    missing: (view?.members ?? []).filter((m) => !answered.has(m)),
    outside: [...answered].filter((id) => !inView.has(id)),
    otherRoots: roots
      .slice(1)
      .filter((n) => n.id !== view?.members[0])
      .map((n) => ({ id: n.id, viewId: n.mesh.view!.id, members: n.mesh.view!.members.length })),
  };
}

function nodeSummary(r: ReceivedReport): NodeSummary {
  const n = r.node;
  return {
    id: n.id,
    name: n.name,
    startedAt: n.startedAt,
    ageMs: r.at - n.startedAt,
    meshStatus: n.mesh.status,
    meshViewId: n.mesh.view?.id,
    groups: r.truncated?.groupsTotal ?? n.groups.length,
    drops: sum(n.drops),
    ...(r.truncated === undefined ? {} : { truncated: r.truncated }),
  };
}

function memberRow(id: MemberId, report: ReceivedReport | undefined, group: string): GroupMemberSummary {
  if (report === undefined) return { id, detail: 'no-answer' };
  const g = report.node.groups.find((x) => x.name === group);
  if (g === undefined) return { id, detail: report.truncated?.groupsOmitted ? 'truncated' : 'absent' };
  return {
    id,
    detail: 'reported',
    status: g.status,
    ...(g.view === undefined ? {} : { viewId: g.view.id }),
    counters: g.counters,
    load: g.load,
    nodeDrops: sum(report.node.drops),
  };
}

function groupSummary(name: string, reports: ReadonlyMap<MemberId, ReceivedReport>): GroupSummary {
  const entries: { id: MemberId; group: GroupStatusReport }[] = [];
  for (const [id, r] of reports) {
    const group = r.node.groups.find((g) => g.name === name);
    if (group !== undefined) entries.push({ id, group });
  }
  const view = newest(entries.map((e) => e.group.view));
  const members = (view?.members ?? []).map((id) => memberRow(id, reports.get(id), name));
  const inView = new Set(view?.members ?? []);
  const others = entries.filter((e) => !inView.has(e.id)).map((e) => memberRow(e.id, reports.get(e.id), name));
  // Every member joined with the same options (the group's coordinator checks them): any report will do.
  const { ordering, delivery } = (entries.find((e) => e.id === view?.coordinator) ?? entries[0]!).group;
  return { name, ordering, delivery, view, members, others };
}

/** Merges the reports of one gathering: mesh, nodes (oldest first) and groups (by name). */
export function mergeReports(reports: readonly ReceivedReport[]): MergedStatus {
  const byId = new Map(reports.map((r) => [r.node.id, r] as const));
  const names = new Set<string>();
  for (const r of reports) for (const g of r.node.groups) names.add(g.name);
  return {
    mesh: meshSummary(reports),
    nodes: reports.map(nodeSummary).sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id)),
    groups: [...names].sort().map((name) => groupSummary(name, byId)),
  };
}
