import type { HistoryIndex, MemberIndex } from '../history-index.js';

// Vector clocks over sends: entry j of message m's clock counts the sends of member j that happen
// before or are m (happens-before from local order and send -> deliver). Then m1 -> m2 iff
// clock(m2)[sender(m1)] >= seq(m1), so causal checks never build the O(n²) transitive closure.
export interface MessageClocks {
  // Row-major: messages × members (index.members order). Rows of unsent messages stay zero.
  readonly clocks: Uint32Array;
  readonly width: number;
  // Where the histories admit no causal interleaving, in the order the cycles were broken.
  readonly cycles: readonly CausalCycle[];
}

// A delivery that cannot be placed after its send: each of a set of members delivered a message
// whose send (transitively) follows that delivery. The cycle is broken there and reported.
export interface CausalCycle {
  readonly member: MemberIndex;
  readonly msg: number;
}

// The clocks are the costliest thing checkAll computes (O(events × members)) and both the causal
// and the state-transfer checks need them, so they are computed once per index.
const cache = new WeakMap<HistoryIndex, MessageClocks>();

export function messageClocksOf(index: HistoryIndex): MessageClocks {
  let computed = cache.get(index);
  if (computed === undefined) cache.set(index, (computed = computeMessageClocks(index)));
  return computed;
}

// Walks one application order (a member's deliveries, a transferred log) and calls `report` for each
// message placed after one that causally depends on it: `at` is its position in `sequence`,
// `dependent` the message (msg number) that depends on it. Same-sender inversions are left to FIFO,
// so that one anomaly is not reported twice; messages whose sender left no history are skipped.
//
// One pass keeps `required[s]`: the highest sequence number of sender s that some message already
// walked depends on. Reaching (s, k) with k <= required[s] means an earlier one depended on it.
export function causalInversions(
  index: HistoryIndex,
  { clocks, width: n }: MessageClocks,
  sequence: ArrayLike<number>,
  report: (at: number, dependent: number) => void,
): void {
  const direct = new Uint32Array(n);
  const required = new Uint32Array(n);
  const requiredBy = new Int32Array(n);
  for (let at = 0; at < sequence.length; at++) {
    const msg = sequence[at]!;
    const send = index.messages[msg]!.send;
    if (send === undefined) continue;
    const s = send.member.idx;
    const k = send.seq;
    if (k > direct[s]! && k <= required[s]!) report(at, requiredBy[s]!);
    if (k > direct[s]!) direct[s] = k;
    const base = msg * n;
    for (let j = 0; j < n; j++) {
      const v = clocks[base + j]!;
      if (v > required[j]!) {
        required[j] = v;
        requiredBy[j] = msg;
      }
    }
  }
}

function computeMessageClocks(index: HistoryIndex): MessageClocks {
  const cycles: CausalCycle[] = [];
  const members = index.members;
  const n = members.length;
  const clocks = new Uint32Array(index.messages.length * n);
  // 0: clock not computed yet, 1: computed, 2: unknowable (no recorded send, or a cycle broken).
  const state = new Uint8Array(index.messages.length);
  index.messages.forEach((message, msg) => {
    if (message.send === undefined) state[msg] = 2;
  });
  const ops = members.map(causalOps);
  const cursor = new Int32Array(n);
  const current = new Uint32Array(n * n);
  const waiting = new Map<number, number[]>();
  const blockedOn = new Int32Array(n).fill(-1);
  const ready: number[] = members.map((_, i) => n - 1 - i);
  let done = 0;

  for (;;) {
    const i = ready.pop();
    if (i === undefined) {
      if (done === n) break;
      // Every unfinished member waits for a send that comes after its own delivery: a cycle.
      const stuck = blockedOn.findIndex((msg) => msg >= 0);
      const msg = blockedOn[stuck]!;
      cycles.push({ member: members[stuck]!, msg });
      state[msg] = 2;
      release(msg);
      continue;
    }
    blockedOn[i] = -1;
    const list = ops[i]!;
    const row = i * n;
    let c = cursor[i]!;
    for (; c < list.length; c++) {
      const op = list[c]!;
      const msg = op >> 1;
      if ((op & 1) === 1) {
        current[row + i] = index.messages[msg]!.send!.seq;
        clocks.set(current.subarray(row, row + n), msg * n);
        state[msg] = 1;
        release(msg);
      } else if (state[msg] === 0) {
        blockedOn[i] = msg;
        let list2 = waiting.get(msg);
        if (list2 === undefined) waiting.set(msg, (list2 = []));
        list2.push(i);
        break;
      } else if (state[msg] === 1) {
        const base = msg * n;
        for (let j = 0; j < n; j++) {
          const v = clocks[base + j]!;
          if (v > current[row + j]!) current[row + j] = v;
        }
      }
    }
    cursor[i] = c;
    if (c === list.length) done++;
  }
  return { clocks, width: n, cycles };

  function release(msg: number): void {
    const waiters = waiting.get(msg);
    if (waiters === undefined) return;
    waiting.delete(msg);
    for (const w of waiters) {
      blockedOn[w] = -1;
      ready.push(w);
    }
  }
}

// A member's first sends and first deliveries merged in local order, encoded msg*2+1 for a send and
// msg*2 for a delivery.
function causalOps(m: MemberIndex): Int32Array {
  const ops: number[] = [];
  let d = 0;
  for (const send of m.sends) {
    while (d < m.deliveries.length && m.deliveries[d]!.pos < send.pos) pushDelivery(d++);
    ops.push(send.msg * 2 + 1);
  }
  while (d < m.deliveries.length) pushDelivery(d++);
  return Int32Array.from(ops);

  function pushDelivery(k: number): void {
    const delivery = m.deliveries[k]!;
    if (!delivery.duplicate) ops.push(delivery.msg * 2);
  }
}
