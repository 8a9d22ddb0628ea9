import { Inject, Injectable } from '@nestjs/common';
import type { CohortNode, GroupStatus } from '@cohort/nats';
import { COHORT_NODE } from '../constants.js';
import { CohortRegistry } from '../cohort.registry.js';

/** One group as the health check reports it. */
export interface GroupHealth {
  readonly status: GroupStatus;
  readonly viewId?: number;
  readonly members?: number;
  readonly coordinator?: string;
}

/** The shape @nestjs/terminus expects of an indicator's result: `{ [key]: { status, ...details } }`. */
export type CohortHealthResult<Key extends string = string> = Record<
  Key,
  {
    readonly status: 'up' | 'down';
    readonly node: string;
    readonly mesh: string;
    readonly groups: Record<string, GroupHealth>;
  }
>;

/** A member that can take part in its group's traffic; `flushing` is a view change under way, not an outage. */
const HEALTHY: ReadonlySet<GroupStatus> = new Set<GroupStatus>(['member', 'flushing']);

/**
 * Membership health for @nestjs/terminus (optional: the result is a plain object in the shape
 * Terminus's HealthCheckService reads, so this package does not import it). Up when the node is
 * in the primary mesh and every group this process is a member of is `member` or `flushing`;
 * down while joining, blocked (no majority), or after leaving. Use it in a health controller:
 * `this.health.check([() => this.cohort.isHealthy('cohort')])`.
 */
@Injectable()
export class CohortHealthIndicator {
  constructor(
    @Inject(COHORT_NODE) private readonly node: CohortNode,
    private readonly registry: CohortRegistry,
  ) {}

  isHealthy<const Key extends string = 'cohort'>(key: Key = 'cohort' as Key): CohortHealthResult<Key> {
    const groups: Record<string, GroupHealth> = {};
    let up = this.node.meshStatus === 'member';
    for (const entry of this.registry.all()) {
      const ref = this.registry.ref(entry.name);
      const status = ref.status;
      up &&= HEALTHY.has(status);
      groups[entry.name] = ref.joined
        ? { status, viewId: ref.view.id, members: ref.view.members.length, coordinator: ref.view.coordinator }
        : { status };
    }
    const result = { status: up ? 'up' : 'down', node: this.node.id, mesh: this.node.meshStatus, groups } as const;
    return { [key]: result } as CohortHealthResult<Key>;
  }
}
