import { Rng } from '@cohort/simulation';

// The nemesis's plan: which fault, on which target, when, for how long. It is derived from the seed
// alone (never from what happens during the run), printed before the run starts and saved with
// the results, so that `--schedule <file>` replays exactly the same faults.

export const FAULT_KINDS = [
  'kill-member',
  'pause-member',
  'restart-server',
  'kill-coordinator',
  'join',
  'slow-consumer',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * One fault. `target` is a member slot (`m3`: whichever process currently fills it; a killed
 * member's replacement takes its slot), `coordinator` (the slot of the group's coordinator when
 * the fault starts), a server (`nats-2`), or for `join` the new slot.
 */
export interface Fault {
  /** Earliest start, in ms after the workload started; a fault never starts before the previous one settled. */
  readonly at: number;
  readonly kind: FaultKind;
  readonly target: string;
  /**
   * kill-member, kill-coordinator: delay before the replacement is spawned; pause-member: how
   * long the process stays SIGSTOPped; restart-server: how long the server stays down;
   * slow-consumer: how long the member stays slow; join: 0.
   */
  readonly durationMs: number;
  /**
   * slow-consumer: `stall` (the default) blocks the member's event loop for blockMs every
   * periodMs; `deaf` stops reading its NATS socket while the rest of the process runs.
   */
  readonly slow?: SlowMode;
  readonly blockMs?: number;
  readonly periodMs?: number;
}

export type SlowMode = 'stall' | 'deaf';

export interface Schedule {
  readonly version: 1;
  readonly seed: number;
  /** The fault phase the plan fills; the run lasts longer by its start, settling and quiet phase. */
  readonly durationMs: number;
  /** Member slots at the start: m1..mN. */
  readonly members: number;
  readonly faults: readonly Fault[];
}

export const INITIAL_MEMBERS = 5;
/** Joins stop once the group has this many slots: the 2-core machine carries about this many. */
export const MAX_MEMBERS = 7;
export const SERVERS = 3;
/** The failure detector's silence limit with the default options: suspectAfterMs 400 + verifyTimeoutMs 200. */
export const DETECTOR_SILENCE_MS = 600;

export interface PlanOptions {
  readonly seed: number;
  readonly durationMs: number;
  /** Long mode: one slow consumer for most of the run and nothing else. */
  readonly long?: boolean;
  /** Long mode's slow consumer: deaf (the default) or stalled in bursts. */
  readonly slow?: SlowMode;
}

/** Slot names, in order of creation: m1, m2, ... */
export function slotName(index: number): string {
  return `m${index}`;
}

/** The server a slot's processes attach to: round-robin over the cluster, m1 on nats-1. */
export function serverOfSlot(slot: string, servers = SERVERS): number {
  const n = Number(slot.slice(1));
  if (!/^m[1-9][0-9]*$/.test(slot)) throw new Error(`not a member slot: ${slot}`);
  return (n - 1) % servers;
}

/** The plan for `seed`: faults drawn from a shuffled bag of every kind, so each round of six has each kind once. */
export function planSchedule({ seed, durationMs, long = false, slow = 'deaf' }: PlanOptions): Schedule {
  if (long) return planLong(seed, durationMs, slow);
  const rng = new Rng(seed);
  const slots = Array.from({ length: INITIAL_MEMBERS }, (_, i) => slotName(i + 1));
  const faults: Fault[] = [];
  let bag: FaultKind[] = [];
  let t = rng.range(2_000, 4_000);
  while (t < durationMs) {
    if (bag.length === 0) bag = rng.shuffle(FAULT_KINDS);
    const kind = bag.shift()!;
    if (kind === 'join' && slots.length >= MAX_MEMBERS) continue;
    const fault = drawFault(rng, kind, t, slots);
    if (kind === 'join') slots.push(fault.target);
    faults.push(fault);
    t += expectedLengthMs(fault) + rng.range(500, 2_500);
  }
  return { version: 1, seed, durationMs, members: INITIAL_MEMBERS, faults };
}

/**
 * Long mode measures memory under a member that stops reading, so that one fault is all there is:
 * m3 (not the first member, which creates the group and coordinates it) is deaf from 15 s until
 * 15 s before the end, or stalled 350 ms of every 400 ms (just below the detector's limit), with
 * which it keeps up and the traffic goes on (docs/design/chaos.md).
 */
function planLong(seed: number, durationMs: number, slow: SlowMode): Schedule {
  const start = Math.min(15_000, Math.floor(durationMs / 4));
  const fault: Fault = {
    at: start,
    kind: 'slow-consumer',
    target: 'm3',
    durationMs: Math.max(1_000, durationMs - 2 * start),
    ...(slow === 'deaf' ? { slow } : { slow, blockMs: 350, periodMs: 400 }),
  };
  return { version: 1, seed, durationMs, members: INITIAL_MEMBERS, faults: [fault] };
}

function drawFault(rng: Rng, kind: FaultKind, at: number, slots: readonly string[]): Fault {
  switch (kind) {
    case 'kill-member':
      return { at, kind, target: rng.pick(slots), durationMs: rng.range(0, 2_500) };
    case 'kill-coordinator':
      return { at, kind, target: 'coordinator', durationMs: rng.range(0, 2_500) };
    case 'pause-member': {
      // Short pauses stay well below the detector's limit (the member stays), long ones well
      // above it (it is removed and rejoins as a new incarnation): nothing in between, where
      // the outcome would depend on the machine's load.
      const short = rng.chance(0.4);
      const durationMs = short ? rng.range(100, 300) : rng.range(1_500, 4_000);
      return { at, kind, target: rng.pick(slots), durationMs };
    }
    case 'restart-server':
      return { at, kind, target: `nats-${rng.range(1, SERVERS)}`, durationMs: rng.range(500, 3_000) };
    case 'join':
      return { at, kind, target: slotName(slots.length + 1), durationMs: 0 };
    case 'slow-consumer': {
      const target = rng.pick(slots);
      const durationMs = rng.range(3_000, 8_000);
      const blockMs = rng.range(150, 300);
      const periodMs = blockMs + rng.range(20, 80);
      if (rng.chance(0.3)) return { at, kind, target, durationMs, slow: 'deaf' };
      return { at, kind, target, durationMs, slow: 'stall', blockMs, periodMs };
    }
  }
}

/** A guess of how long a fault takes to apply and settle, so that the plan spaces faults out. */
function expectedLengthMs(fault: Fault): number {
  switch (fault.kind) {
    case 'kill-member':
    case 'kill-coordinator':
      return fault.durationMs + 2_500;
    case 'pause-member':
      return fault.durationMs + (fault.durationMs > DETECTOR_SILENCE_MS ? 2_500 : 500);
    case 'restart-server':
      return fault.durationMs + 2_500;
    case 'join':
      return 2_000;
    case 'slow-consumer':
      return fault.durationMs + 1_000;
  }
}

/** One line per fault, for the start of a run and its report. */
export function describeSchedule(schedule: Schedule): string[] {
  return schedule.faults.map((f, i) => `  #${i + 1} ${describeFault(f)}`);
}

export function describeFault(f: Fault): string {
  const at = `+${(f.at / 1000).toFixed(1)}s`;
  switch (f.kind) {
    case 'kill-member':
    case 'kill-coordinator':
      return `${at} ${f.kind} ${f.target}, replacement after ${f.durationMs} ms`;
    case 'pause-member':
      return `${at} ${f.kind} ${f.target} for ${f.durationMs} ms`;
    case 'restart-server':
      return `${at} ${f.kind} ${f.target}, down for ${f.durationMs} ms`;
    case 'join':
      return `${at} ${f.kind} ${f.target}`;
    case 'slow-consumer':
      return f.slow === 'deaf'
        ? `${at} ${f.kind} ${f.target} for ${f.durationMs} ms (deaf: its socket is not read)`
        : `${at} ${f.kind} ${f.target} for ${f.durationMs} ms (blocked ${f.blockMs} ms every ${f.periodMs} ms)`;
  }
}

/** Reads a schedule saved by a run (or written by hand) and checks every field, with a message that says what is wrong. */
export function parseSchedule(text: string): Schedule {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`schedule: not JSON: ${(error as Error).message}`, { cause: error });
  }
  const s = raw as Partial<Schedule>;
  if (typeof s !== 'object' || s === null) throw new Error('schedule: expected an object');
  if (s.version !== 1) throw new Error(`schedule: version must be 1, got ${String(s.version)}`);
  for (const key of ['seed', 'durationMs', 'members'] as const) {
    if (!Number.isInteger(s[key]) || (s[key] as number) < 0) {
      throw new Error(`schedule: ${key} must be a non-negative integer`);
    }
  }
  if (!Array.isArray(s.faults)) throw new Error('schedule: faults must be an array');
  const slots = new Set(Array.from({ length: s.members! }, (_, i) => slotName(i + 1)));
  const faults = s.faults.map((f: Partial<Fault>, i) => {
    const where = `schedule: fault #${i + 1}`;
    if (!FAULT_KINDS.includes(f.kind as FaultKind)) {
      throw new Error(`${where}: kind must be one of ${FAULT_KINDS.join(', ')}, got ${String(f.kind)}`);
    }
    if (!Number.isInteger(f.at) || f.at! < 0) throw new Error(`${where}: at must be a non-negative integer (ms)`);
    if (!Number.isInteger(f.durationMs) || f.durationMs! < 0) throw new Error(`${where}: durationMs must be ≥ 0`);
    const target = String(f.target);
    checkTarget(where, f.kind as FaultKind, target, slots);
    if (f.kind === 'join') slots.add(target);
    if (f.kind === 'slow-consumer') {
      if (f.slow !== undefined && f.slow !== 'stall' && f.slow !== 'deaf') {
        throw new Error(`${where}: slow must be stall or deaf, got ${String(f.slow)}`);
      }
      if (f.slow !== 'deaf' && !(f.blockMs! > 0 && f.periodMs! > f.blockMs!)) {
        throw new Error(`${where}: a stalling slow-consumer needs 0 < blockMs < periodMs`);
      }
    }
    return f as Fault;
  });
  return { version: 1, seed: s.seed!, durationMs: s.durationMs!, members: s.members!, faults };
}

function checkTarget(where: string, kind: FaultKind, target: string, slots: ReadonlySet<string>): void {
  if (kind === 'kill-coordinator') {
    if (target !== 'coordinator') throw new Error(`${where}: kill-coordinator's target must be "coordinator"`);
  } else if (kind === 'restart-server') {
    const n = Number(target.replace(/^nats-/, ''));
    if (!/^nats-[0-9]+$/.test(target) || n < 1 || n > SERVERS) {
      throw new Error(`${where}: restart-server's target must be nats-1 to nats-${SERVERS}, got ${target}`);
    }
  } else if (kind === 'join') {
    if (!/^m[1-9][0-9]*$/.test(target) || slots.has(target)) {
      throw new Error(`${where}: join's target must be a new slot name (m6, m7, ...), got ${target}`);
    }
  } else if (!slots.has(target)) {
    throw new Error(
      `${where}: ${kind}'s target ${target} is not a member slot at that point (${[...slots].join(', ')})`,
    );
  }
}
