import type { View } from '../protocol/view.js';
import type { CohortEvent } from './cohort-events.js';
import type { CohortLogger } from './logger.js';

type Level = 'debug' | 'log' | 'warn';
type Fields = Record<string, string | number | boolean | undefined>;

/** `key=value` pairs after the message (logfmt): one line an operator can grep and a collector can parse. */
export function logfmt(message: string, fields: Fields): string {
  let line = message;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = String(value);
    line += ` ${key}=${/[\s"=]/.test(text) || text === '' ? JSON.stringify(text) : text}`;
  }
  return line;
}

function viewFields(view: View): Fields {
  return {
    viewId: view.id,
    coordinator: view.coordinator,
    members: view.members.length,
    joined: view.joined.join(',') || undefined,
    left: view.left.join(',') || undefined,
    failed: view.failed.join(',') || undefined,
  };
}

/**
 * The level and line of each event: membership at info, a failure (a node removed, this node cut
 * off) at warn, suspicions at info (an overloaded machine raises many that come to nothing), flush
 * phases and recoveries at debug.
 */
function describe(event: CohortEvent): [Level, string] {
  switch (event.kind) {
    case 'mesh-view': {
      const silence = Object.entries(event.silenceMs).map(([m, ms]) => `${m}:${Math.round(ms)}`);
      const fields = { member: event.member, cause: event.cause, ...viewFields(event.view) };
      const level = event.cause === 'failure' ? 'warn' : 'log';
      return [level, logfmt('mesh view installed', { ...fields, silenceMs: silence.join(',') || undefined })];
    }
    case 'mesh-status': {
      const level = event.status === 'blocked' || event.status === 'removed' ? 'warn' : 'log';
      return [level, logfmt('mesh status', { member: event.member, status: event.status })];
    }
    case 'suspect':
      return [
        event.unreachable ? 'log' : 'debug',
        logfmt(event.unreachable ? 'node suspected' : 'suspected node reachable again', {
          member: event.member,
          suspect: event.suspect,
        }),
      ];
    case 'view':
      return [
        event.cause === 'failure' ? 'warn' : 'log',
        logfmt('group view installed', {
          group: event.group,
          member: event.member,
          cause: event.cause,
          ...viewFields(event.view),
        }),
      ];
    case 'flush-started':
      return ['debug', logfmt('flush started', { group: event.group, member: event.member, viewId: event.viewId })];
    case 'flushed':
      return [
        'debug',
        logfmt('flush ended', {
          group: event.group,
          member: event.member,
          viewId: event.viewId,
          blockedMs: Math.round(event.blockedMs),
        }),
      ];
    case 'state-sent':
      return [
        'log',
        logfmt('state sent to joiners', {
          group: event.group,
          member: event.member,
          viewId: event.viewId,
          bytes: event.bytes,
        }),
      ];
    case 'state-restored':
      return [
        'log',
        logfmt('state restored', {
          group: event.group,
          member: event.member,
          viewId: event.viewId,
          bytes: event.bytes,
          ms: Math.round(event.ms),
        }),
      ];
  }
}

export function logEvent(logger: CohortLogger, event: CohortEvent): void {
  const [level, line] = describe(event);
  if (level === 'debug') logger.debug?.(line, 'Cohort');
  else logger[level](line, 'Cohort');
}
