import type { HistoryEvent, MemberHistory, ViewRecord } from '@cohort/checkers';
import type { TrackedProcess } from '@cohort/nats-harness';

// Reads the `<TAG> <json>` lines of the e2e fixtures (fixtures/member.mjs, fixtures/client.mjs):
// counters a test can wait on as lines arrive, and a member's history for the checkers.

export interface ViewLine extends ViewRecord {
  t: number;
}

export interface AckLine {
  n: number;
  sender: string;
  viewId: number;
  seq: number;
}

function parse(line: string): { tag: string; record: Record<string, unknown> } | undefined {
  const space = line.indexOf(' ');
  if (space <= 0 || line[space + 1] !== '{') return undefined;
  return { tag: line.slice(0, space), record: JSON.parse(line.slice(space + 1)) as Record<string, unknown> };
}

/** Every record printed with `tag` so far, in output order. */
export function records<T>(proc: TrackedProcess, tag: string): T[] {
  const out: T[] = [];
  for (const line of proc.lines) {
    const parsed = parse(line);
    if (parsed?.tag === tag) out.push(parsed.record as T);
  }
  return out;
}

/** The msgIds a member's handler ran, in its order. */
export function deliveries(proc: TrackedProcess): string[] {
  return records<{ msgId: string }>(proc, 'DELIVER').map((d) => d.msgId);
}

export function lastView(proc: TrackedProcess): ViewLine | undefined {
  return records<ViewLine>(proc, 'GVIEW').at(-1);
}

/**
 * A member's history. The member's SEND line stands for the multicast it made on the client's
 * behalf (printed in handler order right before its own delivery, in the view it went out in);
 * an ACK of the client whose receipt names this member is the multicast's acknowledgement,
 * which came right after that own delivery.
 */
export function history(
  proc: TrackedProcess,
  group: string,
  acked: readonly AckLine[],
  crashed: boolean,
): MemberHistory {
  const id = proc.lines.find((l) => l.startsWith('READY '))!.slice('READY '.length);
  const ackedHere = new Set(acked.filter((a) => a.sender === id).map((a) => `c:${a.n}`));
  const events: HistoryEvent[] = [];
  for (const line of proc.lines) {
    const parsed = parse(line);
    if (parsed === undefined) continue;
    const r = parsed.record;
    const at = r['t'] as number;
    switch (parsed.tag) {
      case 'GVIEW': {
        const { t: _t, ...view } = r as unknown as ViewLine;
        events.push({ kind: 'install', view, at });
        break;
      }
      case 'SEND':
        events.push({ kind: 'send', msgId: r['msgId'] as string, viewId: r['viewId'] as number, at });
        break;
      case 'DELIVER': {
        const msgId = r['msgId'] as string;
        events.push({ kind: 'deliver', msgId, sender: r['sender'] as string, viewId: r['viewId'] as number, at });
        if (r['sender'] === id && ackedHere.has(msgId)) events.push({ kind: 'ack', msgId, at });
        break;
      }
      case 'LEFT':
        events.push({ kind: 'leave', at });
        break;
    }
  }
  if (crashed) events.push({ kind: 'crash' });
  return { member: id, group, ordering: 'total', delivery: 'agreed', events };
}
