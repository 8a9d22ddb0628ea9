import type { Msg, NatsConnection, QueuedIterator, Status, Subscription } from '@nats-io/transport-node';
import { PermissionViolationError, createInbox } from '@nats-io/transport-node';
import type { NodeStatusReport } from '@cohort/core';
import { CohortError, Subjects, validateName } from '@cohort/core';
import type { MergedStatus, ReceivedReport } from './status-merge.js';
import { meshSummary, mergeReports } from './status-merge.js';
import type { StatusErrorAnswer, StatusTruncation } from './status-protocol.js';
import { STATUS_PROTOCOL, STATUS_VERSION, encodeJson } from './status-protocol.js';

export interface GatherOptions {
  /** How long to wait for answers at most. Default 2000 ms. */
  readonly timeoutMs?: number;
  /**
   * Once every member of the mesh view has answered, how long to wait for more answers (nodes
   * outside the view: joining, blocked, or in another mesh). Default 250 ms.
   */
  readonly stallMs?: number;
  /** Stop as soon as this many nodes have answered. */
  readonly expected?: number;
}

/** What one gathering found: every report, and the namespace merged from them. */
export interface StatusGathering extends MergedStatus {
  readonly namespace: string;
  /** When the request went out, ms since the epoch. */
  readonly at: number;
  readonly elapsedMs: number;
  /** Why the gathering ended. */
  readonly ended: 'complete' | 'expected' | 'timeout' | 'no-responders';
  readonly reports: readonly ReceivedReport[];
  /** Answers that were not status answers (not JSON, another protocol, a report without an id ...). */
  readonly malformed: number;
  /** Nodes that answered with an error (another protocol version, a report too large to send). */
  readonly errors: readonly StatusErrorAnswer[];
}

/** The gathering could not be made: the connection closed, or the server refused our publish or inbox. */
export class StatusGatherError extends CohortError {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

const decoder = new TextDecoder();

type Answer =
  | { readonly kind: 'report'; readonly report: NodeStatusReport; readonly truncated?: StatusTruncation }
  | { readonly kind: 'error'; readonly error: StatusErrorAnswer }
  | { readonly kind: 'malformed' };

/** Checks the shape that merging relies on; a peer's bytes are not trusted to be a report. */
function isReport(node: unknown): node is NodeStatusReport {
  const n = node as Partial<NodeStatusReport> | null;
  return (
    typeof n === 'object' &&
    n !== null &&
    typeof n.id === 'string' &&
    typeof n.name === 'string' &&
    typeof n.startedAt === 'number' &&
    typeof n.mesh === 'object' &&
    n.mesh !== null &&
    (n.mesh.view === undefined || isView(n.mesh.view)) &&
    Array.isArray(n.groups) &&
    n.groups.every(
      (g) =>
        typeof g === 'object' &&
        g !== null &&
        typeof g.name === 'string' &&
        (g.view === undefined || isView(g.view)) &&
        typeof g.counters === 'object' &&
        g.counters !== null &&
        typeof g.load === 'object' &&
        g.load !== null,
    ) &&
    typeof n.drops === 'object' &&
    n.drops !== null
  );
}

function isView(v: unknown): boolean {
  const view = v as { id?: unknown; members?: unknown } | null;
  return (
    typeof view === 'object' &&
    view !== null &&
    typeof view.id === 'number' &&
    Array.isArray(view.members) &&
    view.members.every((m) => typeof m === 'string')
  );
}

function readAnswer(data: Uint8Array): Answer {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(decoder.decode(data)) as Record<string, unknown>;
  } catch {
    return { kind: 'malformed' };
  }
  if (typeof body !== 'object' || body === null || body['protocol'] !== STATUS_PROTOCOL) return { kind: 'malformed' };
  const error = body['error'] as StatusErrorAnswer['error'] | undefined;
  const node = body['node'] as { id?: unknown } | undefined;
  if (error !== undefined) {
    const ok = typeof error === 'object' && error !== null && typeof error.code === 'string';
    return ok && typeof node?.id === 'string'
      ? { kind: 'error', error: body as unknown as StatusErrorAnswer }
      : { kind: 'malformed' };
  }
  if (body['version'] !== STATUS_VERSION || !isReport(node)) return { kind: 'malformed' };
  const truncated = body['truncated'] as StatusTruncation | undefined;
  return {
    kind: 'report',
    report: node,
    ...(typeof truncated === 'object' && truncated !== null ? { truncated } : {}),
  };
}

/** nats.js returns its status iterator as a QueuedIterator, which can be stopped; the type says only AsyncIterable. */
type StoppableStatus = AsyncIterable<Status> & Partial<Pick<QueuedIterator<Status>, 'stop'>>;

type Outcome = StatusGathering['ended'] | StatusGatherError;

/** One request's answers, collected on its inbox until one of the ends of gatherStatus. */
class Collector {
  readonly reports = new Map<string, ReceivedReport>();
  readonly errors = new Map<string, StatusErrorAnswer>();
  malformed = 0;
  readonly ended: Promise<Outcome>;
  private resolve!: (outcome: Outcome) => void;
  private done = false;
  private stall: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private statuses: StoppableStatus | undefined;
  private sub: Subscription | undefined;

  constructor(
    private readonly options: { readonly timeoutMs: number; readonly stallMs: number; readonly expected?: number },
  ) {
    this.ended = new Promise((resolve) => (this.resolve = resolve));
  }

  start(connection: NatsConnection, subject: string, inbox: string, namespace: string): void {
    this.sub = connection.subscribe(inbox, {
      callback: (err, msg) =>
        err === null ? this.onAnswer(msg) : this.finish(new StatusGatherError(`reply inbox: ${err.message}`, err)),
    });
    this.deadline = setTimeout(() => this.finish('timeout'), this.options.timeoutMs);
    const statuses = connection.status() as StoppableStatus;
    this.statuses = statuses;
    void (async () => {
      for await (const s of statuses) {
        if (s.type === 'error' && s.error instanceof PermissionViolationError) {
          const mine = s.error.subject === subject || s.error.subject === inbox;
          if (mine) this.finish(permissionError(s.error, namespace));
        } else if (s.type === 'close') this.finish(new StatusGatherError('the NATS connection closed'));
      }
    })();
  }

  finish(outcome: Outcome): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.deadline);
    clearTimeout(this.stall);
    this.statuses?.stop?.();
    if (this.sub !== undefined && !this.sub.isClosed()) this.sub.unsubscribe();
    this.resolve(outcome);
  }

  private onAnswer(msg: Msg): void {
    // The server's "no responders" status: nobody subscribes to the subject at all.
    if (msg.data.length === 0 && msg.headers?.code === 503) return this.finish('no-responders');
    const answer = readAnswer(msg.data);
    if (answer.kind === 'malformed') this.malformed++;
    else if (answer.kind === 'error') this.errors.set(answer.error.node.id, answer.error);
    else {
      const { report, truncated } = answer;
      this.reports.set(report.id, { node: report, at: Date.now(), ...(truncated === undefined ? {} : { truncated }) });
    }
    const { expected, stallMs } = this.options;
    if (expected !== undefined && this.reports.size >= expected) return this.finish('expected');
    clearTimeout(this.stall);
    this.stall = undefined;
    // A member the mesh view names that has not answered yet (a refusal is an answer) is worth
    // waiting the whole timeout for.
    const mesh = meshSummary([...this.reports.values()]);
    if (mesh.view !== undefined && mesh.missing.every((id) => this.errors.has(id))) {
      this.stall = setTimeout(() => this.finish('complete'), stallMs);
    }
  }
}

/**
 * Asks every node of `namespace` for its status (docs/design/status-protocol.md): one request on
 * `cohort.<ns>.status` with a reply inbox, answers collected until every member of the mesh view
 * answered and no further answer came for `stallMs`, or `expected` nodes answered, or `timeoutMs`
 * passed. Ask on a connection of its own: a node's connection does not hear its own request
 * (`noEcho`), so that node would not answer.
 */
export async function gatherStatus(
  connection: NatsConnection,
  namespace: string,
  options: GatherOptions = {},
): Promise<StatusGathering> {
  validateName('namespace', namespace);
  const collector = new Collector({
    timeoutMs: options.timeoutMs ?? 2000,
    stallMs: options.stallMs ?? 250,
    expected: options.expected,
  });
  const subject = new Subjects(namespace).status();
  const inbox = createInbox();
  const at = Date.now();
  try {
    collector.start(connection, subject, inbox, namespace);
    connection.publish(subject, encodeJson({ version: STATUS_VERSION }), { reply: inbox });
  } catch (error) {
    // A closed or draining connection refuses the subscription or the publish.
    collector.finish(new StatusGatherError(`cannot ask for status: ${(error as Error).message}`, error));
  }
  const ended = await collector.ended;
  if (ended instanceof StatusGatherError) throw ended;
  const reports = [...collector.reports.values()];
  return {
    namespace,
    at,
    elapsedMs: Date.now() - at,
    ended,
    reports,
    malformed: collector.malformed,
    errors: [...collector.errors.values()],
    ...mergeReports(reports),
  };
}

function permissionError(error: PermissionViolationError, namespace: string): StatusGatherError {
  const what = error.operation === 'publish' ? `publish on ${error.subject}` : `subscribe to ${error.subject}`;
  return new StatusGatherError(
    `the NATS server refused to let this user ${what}: asking for status needs publish permission on ` +
      `${new Subjects(namespace).status()} and subscribe permission on _INBOX.> (docs/design/status-protocol.md)`,
    error,
  );
}
