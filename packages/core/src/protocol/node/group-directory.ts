import type { DirectoryEntry } from '../../wire/frame.js';
import type { MemberId } from '../view.js';

/** The root's answer to "may I create this group?": wait (directory incomplete), it exists, or a grant. */
export type DirectoryAnswer =
  { readonly kind: 'wait' } | { readonly kind: 'exists' } | { readonly kind: 'grant'; readonly id: number };

interface Report {
  readonly seq: number;
  readonly ack: number;
  readonly groups: readonly DirectoryEntry[];
}

interface Grant {
  readonly node: MemberId;
  readonly id: number;
}

/**
 * The root's directory of groups (DESIGN §4): which groups exist and who coordinates each, built
 * from the reports every node sends to the root, and the serialisation of group creation. A
 * group exists while some live node reports a view of it, or while a creation grant is
 * outstanding (the grantee has not yet reported acting on it). A new root rebuilds the directory
 * from scratch and answers nothing until every member of the mesh view it took over in has
 * reported from that view or later; a grantee ignores grants from anyone but its current root,
 * so a grant of the old root is either in a report the new root waits for, or void.
 */
export class GroupDirectory {
  private readonly reports = new Map<MemberId, Report>();
  private readonly grants = new Map<string, Grant>();
  private nextGrant = 1;
  /** Members whose report since the takeover is still missing; undefined when not root. */
  private awaiting: Set<MemberId> | undefined;
  private takeoverViewId = 0;

  get isRoot(): boolean {
    return this.awaiting !== undefined;
  }

  get complete(): boolean {
    return this.awaiting !== undefined && this.awaiting.size === 0;
  }

  /** This node became root in mesh view `viewId`; `others` are that view's other members. */
  takeOver(viewId: number, others: readonly MemberId[]): void {
    this.reports.clear();
    this.grants.clear();
    this.awaiting = new Set(others);
    this.takeoverViewId = viewId;
  }

  resign(): void {
    this.awaiting = undefined;
    this.reports.clear();
    this.grants.clear();
  }

  /** A node's report number `seq`, sent in its mesh view `viewId`; an older one than held is ignored. */
  report(from: MemberId, seq: number, viewId: number, ack: number, groups: readonly DirectoryEntry[]): void {
    if (this.awaiting === undefined) return;
    if (seq <= (this.reports.get(from)?.seq ?? 0)) return;
    this.reports.set(from, { seq, ack, groups });
    if (viewId >= this.takeoverViewId) this.awaiting.delete(from);
    for (const [group, grant] of this.grants) if (grant.node === from && grant.id <= ack) this.grants.delete(group);
  }

  /** Nodes removed from the mesh: their reports and grants no longer count. */
  depart(nodes: readonly MemberId[]): void {
    for (const node of nodes) {
      this.reports.delete(node);
      this.awaiting?.delete(node);
      for (const [group, grant] of this.grants) if (grant.node === node) this.grants.delete(group);
    }
  }

  query(from: MemberId, group: string): DirectoryAnswer {
    if (!this.complete) return { kind: 'wait' };
    const grant = this.grants.get(group);
    if (grant !== undefined) return grant.node === from ? { kind: 'grant', id: grant.id } : { kind: 'exists' };
    for (const report of this.reports.values()) {
      if (report.groups.some((e) => e.group === group)) return { kind: 'exists' };
    }
    const id = this.nextGrant++;
    this.grants.set(group, { node: from, id });
    return { kind: 'grant', id };
  }

  /** Every group some node reports, with the coordinator of the highest view reported. */
  entries(): DirectoryEntry[] {
    const best = new Map<string, DirectoryEntry>();
    for (const report of this.reports.values()) {
      for (const e of report.groups) {
        const current = best.get(e.group);
        if (current === undefined || e.viewId > current.viewId) best.set(e.group, e);
      }
    }
    return [...best.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  }
}
