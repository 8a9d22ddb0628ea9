import { clearTimeout, setTimeout } from 'node:timers';
import type { NodeProcess, ViewLine } from './node-process.js';

// Follows the multicast traffic of fixture nodes in one group as their lines arrive, so that a test
// can wait for "every member had 150 multicasts acknowledged" or "every survivor delivered
// everything" without rescanning each node's whole output on every line.

const FOLLOWED = new Set(['SEND', 'ACK', 'REJECTED', 'DELIVER', 'GVIEW', 'RESTORE']);

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
  view: ViewLine | undefined;
  quiet: boolean;
}

interface Waiter {
  readonly done: () => boolean;
  readonly resolve: () => void;
}

export class Traffic {
  private readonly counts = new Map<NodeProcess, Counts>();
  private readonly waiters = new Set<Waiter>();

  constructor(
    private readonly nodes: readonly NodeProcess[],
    private readonly group: string,
  ) {
    for (const node of nodes) {
      const counts: Counts = {
        sent: 0,
        acked: 0,
        rejected: 0,
        ackedInView: new Map(),
        log: [],
        delivered: new Set(),
        deliveredFrom: new Map(),
        view: undefined,
        quiet: false,
      };
      this.counts.set(node, counts);
      // Synchronous from the first line to the subscription, so that no line is missed or seen twice.
      for (const line of node.proc.lines) this.read(counts, line);
      node.proc.onLine((line) => {
        this.read(counts, line);
        for (const w of this.waiters) if (w.done()) w.resolve();
      });
    }
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
        return `  ${n.name} (${n.id}, ${state}): sent ${c.sent}, acked ${c.acked}, rejected ${c.rejected}, delivered ${c.log.length}; ${view}`;
      })
      .join('\n');
  }

  private of(node: NodeProcess): Counts {
    const counts = this.counts.get(node);
    if (counts === undefined) throw new Error(`${node.name} is not followed`);
    return counts;
  }

  private applied(c: Counts, msgId: string, sender: string): void {
    c.log.push(msgId);
    if (c.delivered.has(msgId)) return;
    c.delivered.add(msgId);
    c.deliveredFrom.set(sender, (c.deliveredFrom.get(sender) ?? 0) + 1);
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
    };
    if (r.group !== this.group) return;
    switch (tag) {
      case 'SEND':
        c.sent += 1;
        return;
      case 'ACK':
        c.acked += 1;
        c.ackedInView.set(r.viewId, (c.ackedInView.get(r.viewId) ?? 0) + 1);
        return;
      case 'REJECTED':
        c.rejected += 1;
        return;
      case 'DELIVER':
        return this.applied(c, r.msgId, r.sender);
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
