import type { BenchOptions, CohortVariant } from './cli.js';
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
  /** Runs it once on every member with `messages` per member; `round` keeps names apart. */
  run(members: readonly MemberClient[], round: number, messages: number): Promise<ScenarioOutcome>;
}

const common = (options: BenchOptions, messages: number) => ({
  messages,
  payloadBytes: options.payloadBytes,
  members: options.members,
  idleTimeoutMs: options.idleTimeoutMs,
});

/** The members' side of a Cohort scenario: every member multicasts `messages` to `group`. */
export function cohortSpec(
  options: BenchOptions,
  variant: CohortVariant,
  group: string,
  messages: number,
): Extract<ScenarioSpec, { kind: 'cohort' }> {
  return {
    kind: 'cohort',
    group,
    ordering: variant.ordering,
    delivery: variant.delivery,
    inFlight: options.inFlight,
    ...common(options, messages),
  };
}

export function scenarioPlans(options: BenchOptions, natsUrl: string): ScenarioPlan[] {
  const raw: ScenarioPlan = {
    kind: 'raw',
    label: 'raw NATS fan-out',
    run: (members, round, messages) =>
      runScenario(members, { kind: 'raw', subject: `bench.raw.r${round}`, ...common(options, messages) }),
  };
  const jetstream: ScenarioPlan = {
    kind: 'jetstream',
    label: `JetStream (${options.storage})`,
    async run(members, round, messages) {
      // A fresh stream each round: every ordered consumer reads exactly this round's messages.
      const name = `BENCH_R${round}`;
      const subject = `bench.js.r${round}`;
      const stream = await createStream(natsUrl, name, subject, options.storage);
      const spec: ScenarioSpec = {
        kind: 'jetstream',
        stream: name,
        subject,
        inFlight: options.inFlight,
        ...common(options, messages),
      };
      return runScenario(members, spec).finally(() => stream.remove());
    },
  };
  const cohort = options.variants.map((variant): ScenarioPlan => ({
    kind: 'cohort',
    label: `cohort ${variantLabel(variant)}`,
    variant,
    run: (members, round, messages) =>
      runScenario(members, cohortSpec(options, variant, `${variant.ordering}-${variant.delivery}-r${round}`, messages)),
  }));
  return [raw, jetstream, ...cohort];
}
