// A small DSL for hand-made histories: views are declared once and installed per member, sends and
// deliveries default to the member's current view, and a msgId's sender is its prefix ("a:1").
import type { DeliveryMode, HistoryEvent, MemberHistory, MemberId, Ordering, ViewRecord } from '../../src/index.js';

export interface RunConfig {
  group?: string;
  ordering?: Ordering;
  delivery?: DeliveryMode;
}

export interface ViewSpec {
  coordinator?: MemberId;
  joined?: readonly MemberId[];
  left?: readonly MemberId[];
  failed?: readonly MemberId[];
  // Who installs it now; default: all its members. Pass [] to declare it and install it later.
  installers?: readonly MemberId[];
}

export class RunBuilder {
  private readonly events = new Map<MemberId, HistoryEvent[]>();
  private readonly current = new Map<MemberId, number>();
  private readonly views = new Map<number, ViewRecord>();
  private last: ViewRecord | undefined;
  private readonly group: string;

  constructor(
    members: readonly MemberId[],
    private readonly config: RunConfig = {},
  ) {
    this.group = config.group ?? 'g';
    for (const m of members) this.events.set(m, []);
  }

  view(id: number, members: readonly MemberId[], spec: ViewSpec = {}): this {
    const previous = this.last?.members ?? [];
    const left = spec.left ?? [];
    const view: ViewRecord = {
      group: this.group,
      id,
      members,
      coordinator: spec.coordinator ?? members[0]!,
      joined: spec.joined ?? members.filter((m) => !previous.includes(m)),
      left,
      failed: spec.failed ?? previous.filter((m) => !members.includes(m) && !left.includes(m)),
    };
    this.views.set(id, view);
    this.last = view;
    for (const m of spec.installers ?? members) this.install(m, id);
    return this;
  }

  install(member: MemberId, viewId: number): this {
    const view = this.views.get(viewId);
    if (view === undefined) throw new Error(`view ${viewId} not declared`);
    this.current.set(member, viewId);
    return this.push(member, { kind: 'install', view });
  }

  // Installs a record that was not declared (e.g. a conflicting one).
  installRecord(member: MemberId, view: ViewRecord): this {
    this.current.set(member, view.id);
    return this.push(member, { kind: 'install', view });
  }

  send(member: MemberId, msgId: string, viewId?: number): this {
    return this.push(member, { kind: 'send', msgId, viewId: viewId ?? this.viewOf(member) });
  }

  deliver(member: MemberId, msgId: string, opts: { sender?: MemberId; viewId?: number } = {}): this {
    return this.push(member, {
      kind: 'deliver',
      msgId,
      sender: opts.sender ?? msgId.split(':')[0]!,
      viewId: opts.viewId ?? this.viewOf(member),
    });
  }

  // Send by the msgId's prefix, then delivery at each of `deliverers` (in that order).
  multicast(msgId: string, deliverers: readonly MemberId[]): this {
    this.send(msgId.split(':')[0]!, msgId);
    for (const m of deliverers) this.deliver(m, msgId);
    return this;
  }

  // A transferred state applied in the member's current view (or in `viewId`).
  restore(member: MemberId, log: readonly string[], viewId?: number): this {
    return this.push(member, { kind: 'restore', viewId: viewId ?? this.viewOf(member), log });
  }

  ack(member: MemberId, msgId: string): this {
    return this.push(member, { kind: 'ack', msgId });
  }

  blocked(member: MemberId): this {
    return this.push(member, { kind: 'blocked' });
  }

  crash(member: MemberId): this {
    return this.push(member, { kind: 'crash' });
  }

  leave(member: MemberId): this {
    return this.push(member, { kind: 'leave' });
  }

  histories(): MemberHistory[] {
    return [...this.events].map(([member, events]) => ({
      member,
      group: this.group,
      ordering: this.config.ordering ?? 'fifo',
      delivery: this.config.delivery ?? 'agreed',
      events: [...events],
    }));
  }

  private viewOf(member: MemberId): number {
    return this.current.get(member) ?? -1;
  }

  private push(member: MemberId, event: HistoryEvent): this {
    let list = this.events.get(member);
    if (list === undefined) this.events.set(member, (list = []));
    list.push(event);
    return this;
  }
}
