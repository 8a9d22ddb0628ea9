import type { Shape } from './cli.js';
import type { LatencyRow } from './latency-pass.js';
import type { RowFigures } from './report.js';
import type { MembershipResult } from './membership-pass.js';

/** A figure the issue asks to measure against: never a test assertion, a line in the report. */
export interface Target {
  readonly target: string;
  readonly measured: string;
  /** undefined: this run did not measure it. */
  readonly met: boolean | undefined;
}

interface ShapeFigures {
  readonly shape: Shape;
  readonly figures: readonly RowFigures[];
  readonly latency: readonly LatencyRow[];
}

const TOTAL = 'total/agreed';

/**
 * The targets, evaluated on this run: total order at 128 B with 3 members all sending
 * against raw NATS (≥ 0.5) and JetStream (≥ 5×), and p50 latency at half load against raw NATS
 * at the same rate (≤ 3×), and SIGKILL of a member → new view at every survivor (p50 < 1 s).
 */
export function evaluateTargets(shapes: readonly ShapeFigures[], membership: readonly MembershipResult[]): Target[] {
  const reference = shapes.find(
    (s) => s.shape.members === 3 && s.shape.payloadBytes === 128 && s.shape.senders === 'all',
  );
  const total = reference?.figures.find((f) => f.variant === TOTAL);
  const latency = reference?.latency.find((l) => l.label === `cohort ${TOTAL}`);
  const kill = membership.find((m) => m.what === 'membership')?.metrics.find((m) => m.key === 'a');
  const ratio = (n: number | undefined, digits = 2) => (n === undefined ? 'not measured' : n.toFixed(digits));
  const p50Ratio =
    latency?.latency !== undefined && latency.raw !== undefined ? latency.latency.p50 / latency.raw.p50 : undefined;
  return [
    {
      target: 'total order, 128 B, 3 members: ≥ 0.50 of raw NATS fan-out',
      measured: ratio(total?.vsRaw),
      met: total?.vsRaw === undefined ? undefined : total.vsRaw >= 0.5,
    },
    {
      target: 'total order, 128 B, 3 members: ≥ 5× JetStream as a log',
      measured: total?.vsJetStream === undefined ? 'not measured' : `${total.vsJetStream.toFixed(2)}×`,
      met: total?.vsJetStream === undefined ? undefined : total.vsJetStream >= 5,
    },
    {
      target: 'total order p50 latency at half load ≤ 3× raw NATS p50 (same rate)',
      measured:
        p50Ratio === undefined
          ? 'not measured'
          : `${p50Ratio.toFixed(1)}× (${latency!.latency!.p50.toFixed(2)} ms vs ${latency!.raw!.p50.toFixed(2)} ms)`,
      met: p50Ratio === undefined ? undefined : p50Ratio <= 3,
    },
    {
      target: 'SIGKILL → new view at every survivor, p50 < 1 s (defaults)',
      measured:
        kill?.p50 === undefined ? 'not measured' : `${Math.round(kill.p50)} ms (${kill.samples.length} samples)`,
      met: kill?.p50 === undefined ? undefined : kill.p50 < 1000,
    },
  ];
}

export function renderTargets(targets: readonly Target[]): string[] {
  return [
    'targets (measured, not asserted):',
    ...targets.map((t) => `  ${t.met === undefined ? '  ?' : t.met ? ' met' : 'MISS'}  ${t.target}: ${t.measured}`),
  ];
}
