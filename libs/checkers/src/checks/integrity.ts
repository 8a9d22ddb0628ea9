import type { MemberHistory } from '../history.js';
import { indexHistories, type HistoryIndex } from '../history-index.js';
import { ResultBuilder, type CheckOptions, type CheckResult } from '../result.js';

// Every delivered message was sent, by the sender the delivery names, and nobody delivers a
// message twice. A delivery whose named sender has no recorded history cannot be verified and is
// accepted. Also rejected: the same msgId sent twice (msgIds are unique per run), a member
// delivering its own message before sending it, and two histories for one member.
export function integrity(histories: readonly MemberHistory[], options: CheckOptions = {}): CheckResult {
  return integrityOf(indexHistories(histories), options);
}

export function integrityOf(index: HistoryIndex, options: CheckOptions): CheckResult {
  const result = new ResultBuilder('integrity', options);
  for (const m of index.members) {
    if (index.byId.get(m.member) !== m) {
      result.add({ member: m.member, message: `more than one history for member ${m.member}` });
    }
  }
  for (const dup of index.duplicateSends) {
    const message = index.messages[dup.msg]!;
    const first = message.send?.member.member;
    result.add({
      member: dup.member.member,
      ...(first !== undefined ? { other: first } : {}),
      msgId: message.id,
      anomaly: 'duplicated',
      message: () => `${dup.member.member} sent ${message.id}, already sent by ${first}`,
    });
  }
  for (const m of index.members) {
    for (const d of m.deliveries) {
      const message = index.messages[d.msg]!;
      const send = message.send;
      if (d.duplicate) {
        result.add({
          member: m.member,
          msgId: message.id,
          viewId: d.viewId,
          anomaly: 'duplicated',
          message: () => `${m.member} delivered ${message.id} more than once`,
        });
      }
      if (send === undefined) {
        if (!index.byId.has(d.sender)) continue;
        result.add({
          member: m.member,
          other: d.sender,
          msgId: message.id,
          viewId: d.viewId,
          anomaly: 'unexpected',
          message: () => `${m.member} delivered ${message.id} from ${d.sender}, which never sent it`,
        });
      } else if (send.member.member !== d.sender) {
        result.add({
          member: m.member,
          other: d.sender,
          msgId: message.id,
          viewId: d.viewId,
          anomaly: 'unexpected',
          message: () =>
            `${m.member} delivered ${message.id} as sent by ${d.sender}, but ${send.member.member} sent it`,
        });
      } else if (send.member === m && d.pos < send.pos) {
        result.add({
          member: m.member,
          msgId: message.id,
          viewId: d.viewId,
          anomaly: 'unexpected',
          message: () => `${m.member} delivered its own ${message.id} before sending it`,
        });
      }
    }
  }
  return result.build();
}
