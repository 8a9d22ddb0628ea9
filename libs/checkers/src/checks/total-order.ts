import type { MemberHistory } from '../history.js';
import { indexHistories, type HistoryIndex, type MemberIndex, type Segment } from '../history-index.js';
import { ResultBuilder, type CheckOptions, type CheckResult } from '../result.js';

// Any two messages delivered by two members are delivered by both in the same relative order
// (agreed delivery: not counting what a member delivered in the view it failed in; see bindsOrder).
//
// The per-member delivery sequences are merged into one reference order: a topological sort of the
// union of their consecutive-delivery edges (linear). If it exists, every member agrees with it and
// so pairwise with every other member. Only when it does not, the members' sequences are compared
// pairwise (positions of one member's messages in the other's sequence must increase) to name the
// inverted pairs; if no pair of members disagrees, the sequences still admit no single total order
// (e.g. p: a b, q: b c, r: c a) and that cycle is reported: total order means one order for all.
export function totalOrder(histories: readonly MemberHistory[], options: CheckOptions = {}): CheckResult {
  return totalOrderOf(indexHistories(histories), options);
}

export function totalOrderOf(index: HistoryIndex, options: CheckOptions): CheckResult {
  const result = new ResultBuilder('total', options);
  const failed = failedMembers(index);
  const sequences = index.members.map((m) =>
    Int32Array.from(m.deliveries.filter((d) => !d.duplicate && bindsOrder(m, d.segment, failed)).map((d) => d.msg)),
  );
  const residual = mergeOrder(index.messages.length, sequences);
  if (residual === undefined) return result.build();

  const ids = index.messages.map((message) => message.id);
  const position = new Int32Array(index.messages.length).fill(-1);
  let inversions = 0;
  index.members.forEach((p, i) => {
    const own = sequences[i]!;
    own.forEach((msg, k) => (position[msg] = k));
    for (let j = i + 1; j < index.members.length; j++) {
      const q = index.members[j]!;
      let maxPos = -1;
      let maxMsg = -1;
      for (const msg of sequences[j]!) {
        const at = position[msg]!;
        if (at < 0) continue;
        if (at > maxPos) {
          maxPos = at;
          maxMsg = msg;
          continue;
        }
        inversions++;
        const first = ids[maxMsg]!;
        const second = ids[msg]!;
        result.flag('outOfOrder', first);
        result.add({
          member: p.member,
          other: q.member,
          msgId: second,
          anomaly: 'outOfOrder',
          message: () =>
            `${p.member} delivered ${second} before ${first}; ${q.member} delivered ${first} before ${second}`,
        });
      }
    }
    own.forEach((msg) => (position[msg] = -1));
  });
  if (inversions === 0) {
    const cycle = findCycle(residual, sequences).map((msg) => ids[msg]!);
    for (const id of cycle) result.flag('outOfOrder', id);
    result.add({
      msgId: cycle[0]!,
      message: () => {
        const shown = cycle.length > 10 ? [...cycle.slice(0, 10), '…'] : cycle;
        return `deliveries admit no single total order (each step is some member's delivery order): ${[...shown, cycle[0]].join(' -> ')}`;
      },
    });
  }
  return result.build();
}

// Agreed total order is one order among the members that complete a view: a member that fails in
// its last view (crashes, ends cut off and blocked, or is removed as failed by the others, even if
// it then sees itself leave) may have delivered some of that view's messages by order records that
// died with it and the sequencer, which the survivors then order by the flush's deterministic
// rule. Safe delivery waits until every member holds the records, so there the order is uniform
// and every delivery counts.
function bindsOrder(m: MemberIndex, segment: Segment | undefined, failed: ReadonlySet<string>): boolean {
  if (m.history.delivery === 'safe' || segment === undefined || segment.next !== undefined) return true;
  return !(m.crashed || m.blockedAtEnd || failed.has(m.member));
}

// Members some installed view lists as failed.
function failedMembers(index: HistoryIndex): Set<string> {
  const failed = new Set<string>();
  for (const m of index.members) for (const s of m.segments) for (const f of s.view.failed) failed.add(f);
  return failed;
}

interface Graph {
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
}

// Edges between consecutive deliveries of every member, as compressed adjacency lists.
function buildGraph(nodes: number, sequences: readonly Int32Array[], reverse: boolean): Graph {
  const offsets = new Int32Array(nodes + 1);
  for (const seq of sequences) for (let k = 1; k < seq.length; k++) offsets[(reverse ? seq[k] : seq[k - 1])! + 1]!++;
  for (let v = 0; v < nodes; v++) offsets[v + 1]! += offsets[v]!;
  const fill = offsets.slice(0, nodes);
  const targets = new Int32Array(offsets[nodes]!);
  for (const seq of sequences) {
    for (let k = 1; k < seq.length; k++) {
      const [from, to] = reverse ? [seq[k]!, seq[k - 1]!] : [seq[k - 1]!, seq[k]!];
      targets[fill[from]!++] = to;
    }
  }
  return { offsets, targets };
}

// Kahn's algorithm. Returns undefined when every delivered message can be placed in one order,
// otherwise the flags of the messages that could not (a cycle and what follows it).
function mergeOrder(nodes: number, sequences: readonly Int32Array[]): Uint8Array | undefined {
  const { offsets, targets } = buildGraph(nodes, sequences, false);
  const indegree = new Int32Array(nodes);
  for (const t of targets) indegree[t]!++;
  const present = new Uint8Array(nodes);
  for (const seq of sequences) for (const msg of seq) present[msg] = 1;
  const queue: number[] = [];
  for (let v = 0; v < nodes; v++) if (present[v] === 1 && indegree[v] === 0) queue.push(v);
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    present[v] = 0;
    for (let e = offsets[v]!; e < offsets[v + 1]!; e++) {
      const t = targets[e]!;
      if (--indegree[t]! === 0) queue.push(t);
    }
  }
  return present.includes(1) ? present : undefined;
}

// Every message left over by Kahn's algorithm has a left-over predecessor, so walking predecessors
// from any of them must revisit one: that loop is a cycle.
function findCycle(residual: Uint8Array, sequences: readonly Int32Array[]): number[] {
  const { offsets, targets } = buildGraph(residual.length, sequences, true);
  const seen = new Map<number, number>();
  const path: number[] = [];
  let v = residual.indexOf(1);
  while (!seen.has(v)) {
    seen.set(v, path.length);
    path.push(v);
    let next = -1;
    for (let e = offsets[v]!; e < offsets[v + 1]!; e++) {
      if (residual[targets[e]!] === 1) {
        next = targets[e]!;
        break;
      }
    }
    v = next;
  }
  return path.slice(seen.get(v)).reverse();
}
