import type { GroupOrdering, GroupOutput, GroupStatus, View } from '@cohort/core';
import type { HistoryEvent, MemberHistory } from '@cohort/checkers';
import { copyView } from '../mesh-node.js';
import { decodePayload } from '../payload.js';
import { ReplicatedLog } from '../replicated-log.js';
import type { RequestRecord } from '../sim-node.js';

/** A group machine's report, as the NodeMachine forwards it (never a send). */
export type GroupReport = Exclude<GroupOutput, { kind: 'send' }>;

/**
 * One node incarnation's membership in one group, as the simulator sees it from outside the
 * NodeMachine: the group's history in the checkers' shape, the multicast requests and their
 * outcomes, the installed view and status. It exists from the node's join call on.
 */
export class SimGroupMember {
  readonly history: MemberHistory;
  readonly requests: RequestRecord[] = [];
  readonly drops: Record<string, number> = {};
  /** The application's state: what it applied, restored or delivered. */
  readonly log = new ReplicatedLog();
  private readonly byRequestId = new Map<number, RequestRecord>();
  private groupStatus: GroupStatus | undefined;
  private view: View | undefined;
  /**
   * Since when the group has been blocked (its node's mesh is), not recorded yet. A block that
   * ends with nothing recorded meanwhile (the mesh regained its quorum, no view changed) leaves
   * no trace: the member resumes its view as if never blocked, and is checked as such. Otherwise
   * the 'blocked' event goes in before whatever comes next.
   */
  private blockedAt: number | undefined;
  /** leaveGroup() was called (by the application, or by a leaving node). */
  leaving = false;

  constructor(
    readonly group: string,
    readonly member: string,
    { ordering, delivery }: GroupOrdering,
    readonly joinedAt: number,
    private readonly fail: (message: string) => void,
  ) {
    this.history = { member, group, ordering, delivery, events: [] };
  }

  get status(): GroupStatus | undefined {
    return this.groupStatus;
  }

  get currentView(): View | undefined {
    return this.view;
  }

  /** The history ended: the group was left, or the incarnation crashed or was removed. */
  get ended(): boolean {
    const last = this.history.events.at(-1)?.kind;
    return last === 'leave' || last === 'crash';
  }

  get pending(): RequestRecord[] {
    return this.requests.filter((r) => r.outcome === 'pending' || r.outcome === 'sent');
  }

  /** A multicast() call; the caller steps the machine with the returned request. */
  request(msgId: string, requestId: number, at: number): RequestRecord {
    const record: RequestRecord = { msgId, requestId, issuedAt: at, outcome: 'pending' };
    this.requests.push(record);
    this.byRequestId.set(requestId, record);
    return record;
  }

  /** The process crashed, or its incarnation ended with the mesh's 'removed'. */
  crash(at: number): void {
    if (!this.ended) this.record({ kind: 'crash', at });
  }

  /** The run is over: a block still on is recorded. */
  finish(): void {
    this.recordBlock();
  }

  private record(event: HistoryEvent): void {
    this.recordBlock();
    this.history.events.push(event);
  }

  private recordBlock(): void {
    if (this.blockedAt === undefined) return;
    this.history.events.push({ kind: 'blocked', at: this.blockedAt });
    this.blockedAt = undefined;
  }

  /** Records what the group machine reported; true when the view or the status changed. */
  apply(report: GroupReport, at: number): boolean {
    switch (report.kind) {
      case 'install':
        this.view = report.view;
        this.record({ kind: 'install', view: copyView(report.view), at });
        return true;
      case 'deliver': {
        const { origin, seq, viewId, payload } = report.delivery;
        const msgId = decodePayload(payload);
        if (this.groupStatus === 'blocked') this.fail(`${this.group}: delivered ${origin}#${seq} while blocked`);
        if (msgId === undefined) this.fail(`delivered a payload that is not the workload's (${origin}#${seq})`);
        else {
          this.record({ kind: 'deliver', msgId, sender: origin, viewId, at });
          this.log.append(msgId);
        }
        return false;
      }
      case 'restore': {
        const log = this.log.restore(report.state);
        if (log === undefined) this.fail(`${this.group}: the state restored in view ${report.viewId} is not a log`);
        else this.record({ kind: 'restore', viewId: report.viewId, log: [...log], at });
        return false;
      }
      case 'snapshot':
      case 'flushed':
        return false;
      case 'refused':
        this.fail(`${this.group}: join refused, but every member uses the same settings`);
        return false;
      case 'sent':
      case 'acknowledged':
      case 'rejected': {
        const request = this.byRequestId.get(report.requestId);
        if (request === undefined) {
          this.fail(`${report.kind} for unknown request ${report.requestId}`);
          return false;
        }
        request.outcome = report.kind;
        if (report.kind === 'sent') this.record({ kind: 'send', msgId: request.msgId, viewId: report.viewId, at });
        else if (report.kind === 'acknowledged') this.record({ kind: 'ack', msgId: request.msgId, at });
        else request.reason = report.reason;
        return false;
      }
      case 'status':
        this.groupStatus = report.status;
        if (report.status === 'left') this.record({ kind: 'leave', at });
        else if (report.status === 'blocked') this.blockedAt ??= at;
        else this.blockedAt = undefined;
        return true;
      case 'drop':
        this.drops[report.reason] = (this.drops[report.reason] ?? 0) + 1;
        return false;
    }
  }
}
