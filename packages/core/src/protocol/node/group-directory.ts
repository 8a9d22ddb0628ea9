import type { DirectoryEntry } from '../../wire/frame.js';
import type { MemberId } from '../view.js';

/**
 * The root's answer to "may I create this group?": wait (directory incomplete), it exists, a
 * grant, or "ask every node first" (a census with this id, answered once everyone reported).
 */
export type DirectoryAnswer =
  | { readonly kind: 'wait' }
  | { readonly kind: 'exists' }
  | { readonly kind: 'grant'; readonly id: number }
  | { readonly kind: 'census'; readonly id: number };

/** An answer decided once a census is complete. */
export interface SettledAnswer {
  readonly to: MemberId;
  readonly group: string;
  readonly grant: number;
}

interface Report {
  readonly seq: number;
  readonly ack: number;
  readonly census: number;
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
 *
 * Reports can be late (a node that joined a group since its last report arrived, while the
 * member that reported the group left or failed), so "no report lists it" is not enough to grant
 * a creation: the root first takes a census, asking every node of its mesh view to report now,
 * and decides once each has answered it (or the mesh removed it).
 */
export class GroupDirectory {
  private readonly reports = new Map<MemberId, Report>();
  private readonly grants = new Map<string, Grant>();
  private nextGrant = 1;
  /** Members whose report since the takeover is still missing; undefined when not root. */
  private awaiting: Set<MemberId> | undefined;
  private takeoverViewId = 0;
  /** The other nodes of the root's mesh view: whom a census waits for. */
  private members: ReadonlySet<MemberId> = new Set();
  private census = 0;
  /** The census in progress, if any, and the groups (with who asked) it will decide. */
  private openCensus: number | undefined;
  private readonly undecided = new Map<string, MemberId[]>();

  get isRoot(): boolean {
    return this.awaiting !== undefined;
  }

  get complete(): boolean {
    return this.awaiting !== undefined && this.awaiting.size === 0;
  }

  /** This node became root in mesh view `viewId`; `others` are that view's other members. */
  takeOver(viewId: number, others: readonly MemberId[]): void {
    this.resign();
    this.awaiting = new Set(others);
    this.takeoverViewId = viewId;
    this.members = new Set(others);
  }

  resign(): void {
    this.awaiting = undefined;
    this.reports.clear();
    this.grants.clear();
    this.undecided.clear();
    this.openCensus = undefined;
  }

  /** The root's mesh view changed: `others` are its other nodes. */
  setMembers(others: readonly MemberId[]): void {
    this.members = new Set(others);
  }

  /** A node's report number `seq`, sent in its mesh view `viewId`; an older one than held is ignored. */
  report(
    from: MemberId,
    seq: number,
    viewId: number,
    ack: number,
    census: number,
    groups: readonly DirectoryEntry[],
  ): void {
    if (this.awaiting === undefined) return;
    if (seq <= (this.reports.get(from)?.seq ?? 0)) return;
    this.reports.set(from, { seq, ack, census, groups });
    if (viewId >= this.takeoverViewId) this.awaiting.delete(from);
    for (const [group, grant] of this.grants) if (grant.node === from && grant.id <= ack) this.grants.delete(group);
  }

  /** Nodes removed from the mesh: their reports and grants no longer count. */
  depart(nodes: readonly MemberId[]): void {
    for (const node of nodes) {
      this.reports.delete(node);
      this.awaiting?.delete(node);
      if (this.members.has(node)) this.members = new Set([...this.members].filter((m) => m !== node));
      for (const [group, askers] of this.undecided) {
        const still = askers.filter((a) => a !== node);
        if (still.length > 0) this.undecided.set(group, still);
        else this.undecided.delete(group);
      }
      for (const [group, grant] of this.grants) if (grant.node === node) this.grants.delete(group);
    }
  }

  query(from: MemberId, group: string): DirectoryAnswer {
    if (!this.complete) return { kind: 'wait' };
    const grant = this.grants.get(group);
    if (grant !== undefined) return grant.node === from ? { kind: 'grant', id: grant.id } : { kind: 'exists' };
    if (this.reported(group)) return { kind: 'exists' };
    const askers = this.undecided.get(group) ?? [];
    if (!askers.includes(from)) askers.push(from);
    this.undecided.set(group, askers);
    // A repeated query repeats the census request: some node may have missed it.
    this.openCensus ??= ++this.census;
    return { kind: 'census', id: this.openCensus };
  }

  /**
   * Once every node of the mesh view answered the open census (or was removed), decides the
   * groups it was taken for: each is created by its first asker unless some report now lists it.
   */
  settle(): SettledAnswer[] {
    const open = this.openCensus;
    if (open === undefined || !this.complete) return [];
    for (const m of this.members) if ((this.reports.get(m)?.census ?? 0) < open) return [];
    this.openCensus = undefined;
    const answers: SettledAnswer[] = [];
    for (const [group, askers] of this.undecided) {
      let grant = 0;
      if (!this.reported(group)) {
        grant = this.nextGrant++;
        this.grants.set(group, { node: askers[0]!, id: grant });
      }
      askers.forEach((to, i) => answers.push({ to, group, grant: i === 0 ? grant : 0 }));
    }
    this.undecided.clear();
    return answers;
  }

  private reported(group: string): boolean {
    for (const report of this.reports.values()) if (report.groups.some((e) => e.group === group)) return true;
    return false;
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
