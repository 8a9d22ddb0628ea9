import type { MemberId } from './history.js';

export interface Violation {
  guarantee: string;
  message: string;
  member?: MemberId;
  other?: MemberId;
  viewId?: number;
  msgId?: string;
}

// Jepsen-style anomaly classes, each a set of msgIds.
export const ANOMALY_KINDS = ['lost', 'unexpected', 'duplicated', 'outOfOrder', 'diverged'] as const;

export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export type Anomalies = Record<AnomalyKind, string[]>;

export interface CheckResult {
  name: string;
  ok: boolean;
  // At most `maxViolations` examples; `count` is the true total.
  violations: Violation[];
  count: number;
  // Complete (not capped): msgIds are already in memory, and Jepsen-style reports need the full sets.
  anomalies: Anomalies;
}

export interface CheckOptions {
  // The run ended quiescent: nothing was in flight, so a message a member still had to deliver in
  // its final view is lost rather than late. Default true. Pass false to check a run cut short.
  quiescent?: boolean;
  // Examples kept per check. Default 100.
  maxViolations?: number;
}

export const DEFAULT_MAX_VIOLATIONS = 100;

export function emptyAnomalies(): Anomalies {
  return { lost: [], unexpected: [], duplicated: [], outOfOrder: [], diverged: [] };
}

export interface ViolationInput {
  // Built lazily: a broken run of 100,000 messages must not format 100,000 strings it then discards.
  message: string | (() => string);
  member?: MemberId;
  other?: MemberId;
  viewId?: number;
  msgId?: string;
  // Defaults to the check's name; the order checks report 'fifo', 'causal' or 'total'.
  guarantee?: string;
  anomaly?: AnomalyKind;
}

export class ResultBuilder {
  private readonly violations: Violation[] = [];
  private count = 0;
  private readonly sets = new Map<AnomalyKind, Set<string>>();
  private readonly max: number;

  constructor(
    private readonly name: string,
    options: CheckOptions = {},
  ) {
    this.max = Math.max(0, options.maxViolations ?? DEFAULT_MAX_VIOLATIONS);
  }

  add(input: ViolationInput): void {
    this.count += 1;
    if (input.anomaly !== undefined && input.msgId !== undefined) this.flag(input.anomaly, input.msgId);
    if (this.violations.length >= this.max) return;
    const violation: Violation = {
      guarantee: input.guarantee ?? this.name,
      message: typeof input.message === 'string' ? input.message : input.message(),
    };
    if (input.member !== undefined) violation.member = input.member;
    if (input.other !== undefined) violation.other = input.other;
    if (input.viewId !== undefined) violation.viewId = input.viewId;
    if (input.msgId !== undefined) violation.msgId = input.msgId;
    this.violations.push(violation);
  }

  flag(kind: AnomalyKind, msgId: string): void {
    let set = this.sets.get(kind);
    if (set === undefined) {
      set = new Set();
      this.sets.set(kind, set);
    }
    set.add(msgId);
  }

  build(): CheckResult {
    const anomalies = emptyAnomalies();
    for (const [kind, set] of this.sets) anomalies[kind] = [...set];
    return { name: this.name, ok: this.count === 0, violations: this.violations, count: this.count, anomalies };
  }
}

// Short, bounded rendering of id lists inside violation messages.
export function sample(ids: readonly string[], limit = 5): string {
  const shown = ids.slice(0, limit).join(', ');
  return ids.length > limit ? `${shown}, … (${ids.length} in all)` : shown;
}

// Folds several results into one under `name`, keeping the per-check example limit overall.
export function mergeResults(name: string, results: readonly CheckResult[], options: CheckOptions = {}): CheckResult {
  const max = Math.max(0, options.maxViolations ?? DEFAULT_MAX_VIOLATIONS);
  const anomalies = emptyAnomalies();
  for (const kind of ANOMALY_KINDS) anomalies[kind] = [...new Set(results.flatMap((r) => r.anomalies[kind]))];
  const count = results.reduce((sum, r) => sum + r.count, 0);
  const violations = results.flatMap((r) => r.violations).slice(0, max);
  return { name, ok: count === 0, violations, count, anomalies };
}
