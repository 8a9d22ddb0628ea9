// One linear pass over all histories builds the lookups every check needs, so that checkAll pays
// for parsing once and each check stays linear in the number of events.
import type { DeliveryMode, MemberHistory, MemberId, Ordering, ViewRecord } from './history.js';

// The stretch of one member's history from installing a view up to its next install (or its end).
export interface Segment {
  readonly member: MemberIndex;
  readonly view: ViewRecord;
  // Event positions: the install, and the next install (or events.length).
  readonly start: number;
  end: number;
  // The view this member installed next, if any.
  next: ViewRecord | undefined;
  // A crash, leave or blocked event inside: the view ended for this member without a flush.
  abnormal: boolean;
  readonly deliveries: Delivery[];
  // How many of the member's deliveries precede the install: its log at the install ends there.
  readonly deliveriesBefore: number;
}

export interface Delivery {
  readonly member: MemberIndex;
  readonly msg: number;
  readonly pos: number;
  readonly sender: MemberId;
  readonly viewId: number;
  // Undefined when delivered before any install.
  readonly segment: Segment | undefined;
  readonly duplicate: boolean;
}

export interface Send {
  readonly msg: number;
  readonly member: MemberIndex;
  readonly pos: number;
  readonly viewId: number;
  // 1-based position among this member's (non-duplicate) sends: FIFO and vector-clock order.
  readonly seq: number;
  readonly segment: Segment | undefined;
}

export interface Ack {
  readonly msg: number;
  readonly pos: number;
}

export interface Restore {
  readonly member: MemberIndex;
  readonly pos: number;
  readonly viewId: number;
  // Interned msgIds in the recorded order, duplicates kept: they are a finding, not noise.
  readonly log: Int32Array;
  // The member's installed view at the restore.
  readonly segment: Segment | undefined;
  // How many of the member's deliveries precede the restore: its log continues from there.
  readonly deliveriesBefore: number;
}

export interface MemberIndex {
  readonly idx: number;
  readonly member: MemberId;
  readonly history: MemberHistory;
  readonly crashed: boolean;
  readonly left: boolean;
  // Blocked after its last install and never installed another view.
  readonly blockedAtEnd: boolean;
  readonly segments: readonly Segment[];
  // First install of each view id.
  readonly segmentByView: ReadonlyMap<number, Segment>;
  readonly deliveries: readonly Delivery[];
  readonly firstDelivery: ReadonlyMap<number, Delivery>;
  readonly sends: readonly Send[];
  readonly acks: readonly Ack[];
  readonly restores: readonly Restore[];
}

export interface Message {
  readonly id: string;
  // The first send of this msgId anywhere; later ones are integrity violations. A msgId seen only in
  // a restored log has neither a send nor a delivery.
  send: Send | undefined;
  firstDelivery: Delivery | undefined;
}

export interface DuplicateSend {
  readonly member: MemberIndex;
  readonly msg: number;
  readonly pos: number;
}

export interface HistoryIndex {
  readonly histories: readonly MemberHistory[];
  readonly members: readonly MemberIndex[];
  // First history per member id; a second one for the same id is an integrity violation.
  readonly byId: ReadonlyMap<MemberId, MemberIndex>;
  readonly messages: readonly Message[];
  readonly msgIndex: ReadonlyMap<string, number>;
  readonly duplicateSends: readonly DuplicateSend[];
  // View id -> members that installed it (each member once).
  readonly installers: ReadonlyMap<number, readonly MemberIndex[]>;
  // Distinct records seen per view id (more than one is a view-agreement violation), ids ascending.
  readonly views: ReadonlyMap<number, readonly ViewRecord[]>;
  readonly viewIds: readonly number[];
  readonly orderings: ReadonlySet<Ordering>;
  readonly deliveryModes: ReadonlySet<DeliveryMode>;
  // View id -> the restores of that view, in history order.
  readonly restoresByView: ReadonlyMap<number, readonly Restore[]>;
}

export function viewKey(view: ViewRecord): string {
  return `${view.members.join('\u0000')}\u0001${view.coordinator}`;
}

interface MutableMember extends MemberIndex {
  crashed: boolean;
  left: boolean;
  blockedAtEnd: boolean;
  readonly segments: Segment[];
  readonly segmentByView: Map<number, Segment>;
  readonly deliveries: Delivery[];
  readonly firstDelivery: Map<number, Delivery>;
  readonly sends: Send[];
  readonly acks: Ack[];
  readonly restores: Restore[];
}

export function indexHistories(histories: readonly MemberHistory[]): HistoryIndex {
  const messages: Message[] = [];
  const msgIndex = new Map<string, number>();
  const intern = (id: string): number => {
    let n = msgIndex.get(id);
    if (n === undefined) {
      n = messages.length;
      messages.push({ id, send: undefined, firstDelivery: undefined });
      msgIndex.set(id, n);
    }
    return n;
  };
  const members: MutableMember[] = [];
  const byId = new Map<MemberId, MemberIndex>();
  const duplicateSends: DuplicateSend[] = [];
  const installers = new Map<number, MemberIndex[]>();
  const views = new Map<number, ViewRecord[]>();
  const viewKeys = new Map<number, Set<string>>();
  const orderings = new Set<Ordering>();
  const deliveryModes = new Set<DeliveryMode>();
  const restoresByView = new Map<number, Restore[]>();

  for (const history of histories) {
    orderings.add(history.ordering);
    deliveryModes.add(history.delivery);
    const m: MutableMember = {
      idx: members.length,
      member: history.member,
      history,
      crashed: false,
      left: false,
      blockedAtEnd: false,
      segments: [],
      segmentByView: new Map(),
      deliveries: [],
      firstDelivery: new Map(),
      sends: [],
      acks: [],
      restores: [],
    };
    members.push(m);
    if (!byId.has(m.member)) byId.set(m.member, m);
    indexMember(m);
  }

  function indexMember(m: MutableMember): void {
    const events = m.history.events;
    let current: Segment | undefined;
    let seq = 0;
    for (let pos = 0; pos < events.length; pos++) {
      const event = events[pos]!;
      switch (event.kind) {
        case 'install': {
          if (current !== undefined) {
            current.end = pos;
            current.next = event.view;
          }
          current = {
            member: m,
            view: event.view,
            start: pos,
            end: events.length,
            next: undefined,
            abnormal: false,
            deliveries: [],
            deliveriesBefore: m.deliveries.length,
          };
          m.segments.push(current);
          m.blockedAtEnd = false;
          recordView(m, current);
          break;
        }
        case 'send': {
          const msg = intern(event.msgId);
          const message = messages[msg]!;
          if (message.send !== undefined) {
            duplicateSends.push({ member: m, msg, pos });
            break;
          }
          seq += 1;
          const send: Send = { msg, member: m, pos, viewId: event.viewId, seq, segment: current };
          message.send = send;
          m.sends.push(send);
          break;
        }
        case 'ack':
          m.acks.push({ msg: intern(event.msgId), pos });
          break;
        case 'deliver': {
          const msg = intern(event.msgId);
          const duplicate = m.firstDelivery.has(msg);
          const delivery: Delivery = {
            member: m,
            msg,
            pos,
            sender: event.sender,
            viewId: event.viewId,
            segment: current,
            duplicate,
          };
          m.deliveries.push(delivery);
          current?.deliveries.push(delivery);
          if (!duplicate) m.firstDelivery.set(msg, delivery);
          const message = messages[msg]!;
          if (message.firstDelivery === undefined) message.firstDelivery = delivery;
          break;
        }
        case 'restore': {
          const restore: Restore = {
            member: m,
            pos,
            viewId: event.viewId,
            log: Int32Array.from(event.log, intern),
            segment: current,
            deliveriesBefore: m.deliveries.length,
          };
          m.restores.push(restore);
          let list = restoresByView.get(event.viewId);
          if (list === undefined) restoresByView.set(event.viewId, (list = []));
          list.push(restore);
          break;
        }
        case 'blocked':
          if (current !== undefined) current.abnormal = true;
          m.blockedAtEnd = true;
          break;
        case 'crash':
          if (current !== undefined) current.abnormal = true;
          m.crashed = true;
          break;
        case 'leave':
          if (current !== undefined) current.abnormal = true;
          m.left = true;
          break;
      }
    }
  }

  function recordView(m: MutableMember, segment: Segment): void {
    const view = segment.view;
    if (!m.segmentByView.has(view.id)) {
      m.segmentByView.set(view.id, segment);
      let list = installers.get(view.id);
      if (list === undefined) installers.set(view.id, (list = []));
      list.push(m);
    }
    const key = viewKey(view);
    let keys = viewKeys.get(view.id);
    if (keys === undefined) {
      viewKeys.set(view.id, (keys = new Set()));
      views.set(view.id, []);
    }
    if (!keys.has(key)) {
      keys.add(key);
      views.get(view.id)!.push(view);
    }
  }

  const viewIds = [...views.keys()].sort((a, b) => a - b);
  return {
    histories,
    members,
    byId,
    messages,
    msgIndex,
    duplicateSends,
    installers,
    views,
    viewIds,
    orderings,
    deliveryModes,
    restoresByView,
  };
}

// The view a message belongs to: where it was sent, or, with no recorded send, where it was first
// delivered (the sender's history may be absent).
export function sendingViewId(message: Message): number | undefined {
  return message.send?.viewId ?? message.firstDelivery?.viewId;
}

// m installed the view, left it by installing its next view, and did not crash, leave or block in
// between: the view was closed for m by a flush, so m's deliveries in it are final.
export function completed(m: MemberIndex, viewId: number): boolean {
  const segment = m.segmentByView.get(viewId);
  return segment !== undefined && segment.next !== undefined && !segment.abnormal;
}

// m is still an active member of the view when its history ends.
export function remainsToEnd(m: MemberIndex, viewId: number): boolean {
  const segment = m.segmentByView.get(viewId);
  return segment !== undefined && segment.next === undefined && !segment.abnormal;
}

// Members bound to deliver what every survivor of the view delivers: those that completed it and,
// in a quiescent run, those still active in it at the end.
export function obligedMembers(index: HistoryIndex, viewId: number, quiescent: boolean): MemberIndex[] {
  const list = index.installers.get(viewId) ?? [];
  return list.filter((m) => completed(m, viewId) || (quiescent && remainsToEnd(m, viewId)));
}
