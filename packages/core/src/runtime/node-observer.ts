import type { Observable } from 'rxjs';
import { Subject } from 'rxjs';
import type { GroupOutput } from '../protocol/messages.js';
import type { MeshOutput } from '../protocol/mesh/mesh-messages.js';
import type { MemberId, View } from '../protocol/view.js';
import type { Frame } from '../wire/frame.js';
import type { CohortEvent, ViewChangeCause } from './cohort-events.js';
import { causeOf } from './cohort-events.js';
import { logEvent } from './event-log.js';
import type { CohortLogger } from './logger.js';

/** One group's counters at one member, since it joined (`node.counters()`). */
export interface GroupCounters {
  /** Multicasts this member sent. */
  multicasts: number;
  /** Messages delivered here, this member's own included. */
  deliveries: number;
  /** Data frames this member sent again, on a NAK or for a cut. */
  retransmissions: number;
  /** NAKs this member sent (data and order records). */
  naks: number;
  /** View changes that stopped this member's sending, and for how long in all. */
  flushes: number;
  flushBlockedMs: number;
  viewChanges: Record<ViewChangeCause, number>;
  /** State given to joiners (by a provider) or received (by a joiner): transfers and bytes. */
  stateTransfers: number;
  stateBytes: number;
}

/** A group's backlog at one member (GroupMachine.backlog) and multicasts queued behind its window or a flush. */
export interface GroupLoad {
  readonly own: number;
  readonly ownBytes: number;
  readonly others: number;
  readonly queued: number;
}

/** `node.counters()`: what this node dropped, its mesh's view changes, and each group it is in. */
export interface NodeCounters {
  readonly drops: Record<string, number>;
  readonly meshViewChanges: Record<ViewChangeCause, number>;
  readonly groups: Record<string, GroupCounters & { readonly load: GroupLoad }>;
}

const noCauses = (): Record<ViewChangeCause, number> => ({ join: 0, leave: 0, failure: 0, partition: 0 });

/** What one group's outputs tell an operator: its counters and its events. */
export class GroupObserver {
  readonly counters: GroupCounters = {
    multicasts: 0,
    deliveries: 0,
    retransmissions: 0,
    naks: 0,
    flushes: 0,
    flushBlockedMs: 0,
    viewChanges: noCauses(),
    stateTransfers: 0,
    stateBytes: 0,
  };
  private view: View | undefined;
  private viewAt = 0;

  constructor(
    readonly group: string,
    private readonly node: NodeObserver,
  ) {}

  /** Runs per output of the group, deliveries included: keep the common cases cheap (no clock read). */
  onOutput(member: MemberId, output: GroupOutput): void {
    const c = this.counters;
    switch (output.kind) {
      case 'deliver':
        c.deliveries++;
        return;
      case 'sent':
        c.multicasts++;
        return;
      case 'install': {
        const cause = causeOf(output.view, this.view);
        if (cause !== undefined) c.viewChanges[cause]++;
        this.view = output.view;
        this.viewAt = this.node.now();
        return this.node.emit({ kind: 'view', group: this.group, member, view: output.view, cause });
      }
      case 'status':
        if (output.status !== 'flushing') return;
        return this.node.emit({
          kind: 'flush-started',
          group: this.group,
          member,
          viewId: this.view?.id ?? 0,
        });
      case 'flushed':
        c.flushes++;
        c.flushBlockedMs += output.blockedMs;
        return this.node.emit({
          kind: 'flushed',
          group: this.group,
          member,
          viewId: output.viewId,
          blockedMs: output.blockedMs,
        });
      case 'restore':
        c.stateTransfers++;
        c.stateBytes += output.state.length;
        return this.node.emit({
          kind: 'state-restored',
          group: this.group,
          member,
          viewId: output.viewId,
          bytes: output.state.length,
          ms: this.node.now() - this.viewAt,
        });
      default:
        return;
    }
  }

  /** Called only for the frames it counts: NAKs and retransmissions. */
  onRepair(frame: Frame): void {
    if (frame.kind === 'data') this.counters.retransmissions++;
    else this.counters.naks++;
  }

  stateSent(member: MemberId, viewId: number, bytes: number): void {
    this.counters.stateTransfers++;
    this.counters.stateBytes += bytes;
    this.node.emit({ kind: 'state-sent', group: this.group, member, viewId, bytes });
  }
}

/**
 * The node's observability (docs/design/observability.md): `events$` and their log lines, the
 * mesh's view-change counts, and when each node was last heard, for failure-detection times.
 */
export class NodeObserver {
  private readonly subject = new Subject<CohortEvent>();
  readonly events$: Observable<CohortEvent> = this.subject.asObservable();
  readonly meshViewChanges = noCauses();
  /** Mesh frames only (heartbeats at least): cheap, and enough to time a failure's detection. */
  private readonly lastHeard = new Map<MemberId, number>();
  private meshView: View | undefined;

  constructor(
    private readonly logger: CohortLogger,
    readonly now: () => number,
  ) {}

  emit(event: CohortEvent): void {
    logEvent(this.logger, event);
    this.subject.next(event);
  }

  heard(sender: MemberId, now: number): void {
    this.lastHeard.set(sender, now);
  }

  onMeshOutput(member: MemberId, output: MeshOutput): void {
    switch (output.kind) {
      case 'install': {
        const view = output.view;
        const cause = causeOf(view, this.meshView);
        if (cause !== undefined) this.meshViewChanges[cause]++;
        this.meshView = view;
        const silenceMs: Record<MemberId, number> = {};
        for (const failed of view.failed) {
          const at = this.lastHeard.get(failed);
          if (at !== undefined) silenceMs[failed] = this.now() - at;
        }
        for (const gone of [...view.failed, ...view.left]) this.lastHeard.delete(gone);
        return this.emit({ kind: 'mesh-view', member, view, cause, silenceMs });
      }
      case 'status':
        if (output.status === 'blocked' || output.status === 'removed') this.meshViewChanges.partition++;
        return this.emit({ kind: 'mesh-status', member, status: output.status });
      case 'suspect':
        return this.emit({ kind: 'suspect', member, suspect: output.member, unreachable: output.unreachable });
      default:
        return;
    }
  }

  complete(): void {
    this.subject.complete();
  }
}
