import type { BenchOptions, CohortVariant, Shape } from './cli.js';
import { variantLabel } from './cli.js';
import { createStream } from './jetstream-stream.js';
import type { MemberClient } from './member-client.js';
import type { ScenarioSpec } from './messages.js';
import { runScenario } from './scenario-runner.js';
import type { ScenarioOutcome } from './scenario-runner.js';

/** The role of a scenario in the table: the two baselines, or a Cohort variant. */
export type PlanKind = 'raw' | 'jetstream' | 'cohort';

/** One row of the table: what to run in each round. */
export interface ScenarioPlan {
  readonly kind: PlanKind;
  readonly label: string;
  /** The Cohort variant, for Cohort rows. */
  readonly variant?: CohortVariant;
  /**
   * Runs it once on every member with `messages` per sender; `round` keeps names apart. With
   * `rate`, each sender sends at most that many messages per second (the latency pass).
   */
  run(members: readonly MemberClient[], round: number, messages: number, rate?: number): Promise<ScenarioOutcome>;
}

const common = (options: BenchOptions, shape: Shape, messages: number, rate: number | undefined) => ({
  messages,
  payloadBytes: shape.payloadBytes,
  members: shape.members,
  senders: shape.senders,
  idleTimeoutMs: options.idleTimeoutMs,
  ...(rate === undefined ? {} : { rate }),
});

/** The members' side of a Cohort scenario: every member multicasts `messages` to `group`. */
export function cohortSpec(
  options: BenchOptions,
  shape: Shape,
  variant: CohortVariant,
  group: string,
  messages: number,
  rate?: number,
): Extract<ScenarioSpec, { kind: 'cohort' }> {
  return {
    kind: 'cohort',
    group,
    ordering: variant.ordering,
    delivery: variant.delivery,
    inFlight: options.inFlight,
    ...common(options, shape, messages, rate),
  };
}

export function scenarioPlans(options: BenchOptions, shape: Shape, natsUrl: string): ScenarioPlan[] {
  const raw: ScenarioPlan = {
    kind: 'raw',
    label: 'raw NATS fan-out',
    run: (members, round, messages, rate) =>
      runScenario(members, {
        kind: 'raw',
        subject: `bench.raw.r${round}`,
        ...common(options, shape, messages, rate),
      }),
  };
  const jetstream: ScenarioPlan = {
    kind: 'jetstream',
    label: `JetStream (${options.storage})`,
    async run(members, round, messages, rate) {
      // A fresh stream each round: every ordered consumer reads exactly this round's messages.
      const name = `BENCH_R${round}`;
      const subject = `bench.js.r${round}`;
      const stream = await createStream(natsUrl, name, subject, options.storage);
      const spec: ScenarioSpec = {
        kind: 'jetstream',
        stream: name,
        subject,
        inFlight: options.inFlight,
        ...common(options, shape, messages, rate),
      };
      return runScenario(members, spec).finally(() => stream.remove());
    },
  };
  const cohort = options.variants.map((variant): ScenarioPlan => ({
    kind: 'cohort',
    label: `cohort ${variantLabel(variant)}`,
    variant,
    run: (members, round, messages, rate) =>
      runScenario(
        members,
        cohortSpec(options, shape, variant, `${variant.ordering}-${variant.delivery}-r${round}`, messages, rate),
      ),
  }));
  return [raw, jetstream, ...cohort];
}
