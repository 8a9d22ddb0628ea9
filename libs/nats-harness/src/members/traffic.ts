import { clearTimeout, setTimeout } from 'node:timers';
import type { NodeProcess, ViewLine } from './node-process.js';

// Follows the multicast traffic of fixture nodes in one group as their lines arrive, so that a test
// can wait for "every member had 150 multicasts acknowledged" or "every survivor delivered
// everything" without rescanning each node's whole output on every line. Nodes can be added while
// it runs (the chaos runner's replacements and joiners), and a node's incarnations (a new id after
// the primary mesh removed it) are followed through its STATUS lines.

const FOLLOWED = new Set(['SEND', 'ACK', 'REJECTED', 'DELIVER', 'GVIEW', 'RESTORE', 'STATUS']);

interface Counts {
  sent: number;
  acked: number;
  rejected: number;
  /** Acknowledged multicasts per view they went out in. */
  readonly ackedInView: Map<number, number>;
  /** msgIds in delivery order; a joiner's start with the log its state transfer restored. */
  readonly log: string[];
  readonly delivered: Set<string>;
  /** Distinct deliveries per sender. */
  readonly deliveredFrom: Map<string, number>;
  /** Per view id: multicasts sent in it (SEND lines; rejected ones too) and rejected ones. */
  readonly sentIn: Map<number, number>;
  readonly rejectedIn: Map<number, number>;
  /** The view each SEND line named, for the REJECTED line that may follow. */
  readonly sendView: Map<string, number>;
  /** Per view id, then per sender: distinct deliveries made in that view. */
  readonly deliveredIn: Map<number, Map<string, number>>;
  view: ViewLine | undefined;
  /** The node's current id: its first, or the one its latest incarnation announced. */
  self: string;
  quiet: boolean;
}

interface Waiter {
  readonly done: () => boolean;
  readonly resolve: () => void;
}

export class Traffic {
  private readonly counts = new Map<NodeProcess, Counts>();
  private readonly waiters = new Set<Waiter>();

  private readonly nodes: NodeProcess[] = [];

  constructor(
    nodes: readonly NodeProcess[],
    private readonly group: string,
  ) {
    for (const node of nodes) this.add(node);
  }

  /** Follows one more node, from its first line. */
  add(node: NodeProcess): void {
    if (this.counts.has(node)) return;
    const counts: Counts = {
      sent: 0,
      acked: 0,
      rejected: 0,
      ackedInView: new Map(),
      log: [],
      delivered: new Set(),
      deliveredFrom: new Map(),
      sentIn: new Map(),
      rejectedIn: new Map(),
      sendView: new Map(),
      deliveredIn: new Map(),
      view: undefined,
      self: node.id,
      quiet: false,
    };
    this.nodes.push(node);
    this.counts.set(node, counts);
    // Synchronous from the first line to the subscription, so that no line is missed or seen twice.
    for (const line of node.proc.lines) this.read(counts, line);
    node.proc.onLine((line) => {
      this.read(counts, line);
      for (const w of this.waiters) if (w.done()) w.resolve();
    });
  }

  /** Multicasts of `node` acknowledged in view `viewId` or later. */
  ackedSince(node: NodeProcess, viewId: number): number {
    let n = 0;
    for (const [id, count] of this.of(node).ackedInView) if (id >= viewId) n += count;
    return n;
  }

  acked(node: NodeProcess): number {
    return this.of(node).acked;
  }

  /** The last group view `node` installed, if any. */
  view(node: NodeProcess): ViewLine | undefined {
    return this.of(node).view;
  }

  /** The id of `node`'s current incarnation. */
  self(node: NodeProcess): string {
    return this.of(node).self;
  }

  /** Multicasts `node` sent, had acknowledged and had rejected, over all its incarnations. */
  totals(node: NodeProcess): { sent: number; acked: number; rejected: number; delivered: number } {
    const c = this.of(node);
    return { sent: c.sent, acked: c.acked, rejected: c.rejected, delivered: c.log.length };
  }

  /**
   * Every one of `members` is in one group view that holds exactly their current incarnations.
   * (Unlike `quiescent`, it asks nothing of the traffic.)
   */
  converged(members: readonly NodeProcess[]): boolean {
    const first = members.length === 0 ? undefined : this.of(members[0]!).view;
    if (first === undefined || first.members.length !== members.length) return false;
    return members.every((q) => {
      const c = this.of(q);
      return c.view?.id === first.id && first.members.includes(c.self);
    });
  }

  /**
   * `converged`, and the traffic of the view they share is drained: every one of them stopped
   * sending (QUIET), has had each multicast acknowledged or rejected, and delivered every
   * multicast the others sent in that view and did not have rejected. Messages of earlier views
   * are not counted: a member that joined later never delivers them, and the view change that
   * ended each earlier view settled them (the checkers judge how). For runs with faults, where
   * members join mid-stream and come back as new incarnations.
   */
  drained(members: readonly NodeProcess[]): boolean {
    if (!this.converged(members)) return false;
    const viewId = this.of(members[0]!).view!.id;
    const expected = members.map((s) => {
      const c = this.of(s);
      return [c.self, (c.sentIn.get(viewId) ?? 0) - (c.rejectedIn.get(viewId) ?? 0)] as const;
    });
    return members.every((q) => {
      const c = this.of(q);
      if (!c.quiet || c.acked + c.rejected !== c.sent) return false;
      const got = c.deliveredIn.get(viewId);
      return expected.every(([sender, n]) => (got?.get(sender) ?? 0) === n);
    });
  }

  /** The msgIds `node` delivered, in its delivery order. */
  log(node: NodeProcess): readonly string[] {
    return this.of(node).log;
  }

  /**
   * Every one of `members` stopped sending (QUIET), has had all its multicasts acknowledged and
   * delivered every multicast of the others, and all of them are in one view of exactly themselves.
   */
  quiescent(members: readonly NodeProcess[]): boolean {
    const first = this.of(members[0]!).view;
    if (first === undefined || first.members.length !== members.length) return false;
    return members.every((q) => {
      const c = this.of(q);
      return (
        c.quiet &&
        c.acked === c.sent &&
        c.view?.id === first.id &&
        first.members.includes(q.id) &&
        members.every((s) => (c.deliveredFrom.get(s.id) ?? 0) === this.of(s).sent)
      );
    });
  }

  /** Resolves once `done` holds, re-evaluated on every line of every node. */
  until(what: string, done: () => boolean, timeoutMs = 20_000): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        done,
        resolve: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`not reached within ${timeoutMs} ms: ${what}\n${this.describe()}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** One line per node, for a timeout's message. */
  describe(): string {
    return this.nodes
      .map((n) => {
        const c = this.of(n);
        const view = c.view === undefined ? 'no view' : `view ${c.view.id} of ${c.view.members.join(', ')}`;
        const state = n.proc.running ? (c.quiet ? 'quiet' : 'sending') : 'exited';
        return `  ${n.name} (${c.self}, ${state}): sent ${c.sent}, acked ${c.acked}, rejected ${c.rejected}, delivered ${c.log.length}; ${view}`;
      })
      .join('\n');
  }

  private of(node: NodeProcess): Counts {
    const counts = this.counts.get(node);
    if (counts === undefined) throw new Error(`${node.name} is not followed`);
    return counts;
  }

  private applied(c: Counts, msgId: string, sender: string, viewId?: number): void {
    c.log.push(msgId);
    if (c.delivered.has(msgId)) return;
    c.delivered.add(msgId);
    c.deliveredFrom.set(sender, (c.deliveredFrom.get(sender) ?? 0) + 1);
    if (viewId === undefined) return;
    let bySender = c.deliveredIn.get(viewId);
    if (bySender === undefined) c.deliveredIn.set(viewId, (bySender = new Map()));
    bySender.set(sender, (bySender.get(sender) ?? 0) + 1);
  }

  private read(c: Counts, line: string): void {
    const space = line.indexOf(' ');
    const tag = line.slice(0, space);
    if (tag === 'QUIET') {
      c.quiet = true;
      return;
    }
    if (!FOLLOWED.has(tag)) return;
    const r = JSON.parse(line.slice(space + 1)) as {
      group: string;
      msgId: string;
      sender: string;
      viewId: number;
      log?: string[];
      status?: string;
      self?: string;
    };
    // A mesh status line names the node's id; a 'joining' with a new one starts an incarnation.
    if (tag === 'STATUS') {
      if (r.self !== undefined) c.self = r.self;
      return;
    }
    if (r.group !== this.group) return;
    switch (tag) {
      case 'SEND':
        c.sent += 1;
        c.sentIn.set(r.viewId, (c.sentIn.get(r.viewId) ?? 0) + 1);
        c.sendView.set(r.msgId, r.viewId);
        return;
      case 'ACK':
        c.acked += 1;
        c.ackedInView.set(r.viewId, (c.ackedInView.get(r.viewId) ?? 0) + 1);
        return;
      case 'REJECTED': {
        c.rejected += 1;
        const viewId = c.sendView.get(r.msgId);
        if (viewId !== undefined) c.rejectedIn.set(viewId, (c.rejectedIn.get(viewId) ?? 0) + 1);
        return;
      }
      case 'DELIVER':
        return this.applied(c, r.msgId, r.sender, r.viewId);
      case 'RESTORE':
        // msgIds are `<sender id>:<n>`; node ids hold no ':'.
        for (const msgId of r.log ?? []) this.applied(c, msgId, msgId.slice(0, msgId.lastIndexOf(':')));
        return;
      case 'GVIEW':
        c.view = r as unknown as ViewLine;
        return;
    }
  }
}
