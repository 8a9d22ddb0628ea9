import type { MemberId, NodeStatusReport } from '@cohort/core';

// The status protocol's messages (docs/design/status-protocol.md): a request on
// `cohort.<ns>.status` with a reply subject, one JSON answer per node. Versioned so that a newer
// tool and an older node (or the reverse) say plainly that they do not understand each other.

export const STATUS_PROTOCOL = 'cohort-status';
export const STATUS_VERSION = 1;
/** The versions a node answers; the answer to any other says which these are. */
export const STATUS_VERSIONS: readonly number[] = [STATUS_VERSION];
/**
 * A request is `{ "version": 1 }` or empty: anything much longer is no request of ours, and is
 * answered without being parsed.
 */
export const MAX_REQUEST_BYTES = 1024;

export interface StatusRequest {
  readonly version: number;
}

/** Set when the node's report did not fit in one NATS message and was cut to fit. */
export interface StatusTruncation {
  /** Groups the node is in, and how many of them the answer leaves out (the last ones). */
  readonly groupsTotal: number;
  readonly groupsOmitted: number;
  /** The mesh view's member list was left out too (an enormous mesh, or a tiny max_payload). */
  readonly meshViewOmitted: boolean;
  /** The server's max_payload the answer had to fit in. */
  readonly maxPayload: number;
}

export interface StatusReportAnswer {
  readonly protocol: typeof STATUS_PROTOCOL;
  readonly version: number;
  readonly node: NodeStatusReport;
  readonly truncated?: StatusTruncation;
}

export const StatusErrorCode = {
  /** The request asked for a version this node does not speak. */
  unsupportedVersion: 'unsupported-version',
  /** The request was neither empty nor a JSON object with an integer `version`. */
  badRequest: 'bad-request',
  /** Not even the cut-down report fitted in the server's max_payload. */
  tooLarge: 'too-large',
} as const;
export type StatusErrorCode = (typeof StatusErrorCode)[keyof typeof StatusErrorCode];

export interface StatusErrorAnswer {
  readonly protocol: typeof STATUS_PROTOCOL;
  readonly version: number;
  /** Who refused, so that the asker can tell which node it could not read. */
  readonly node: { readonly id: MemberId; readonly name: string };
  readonly error: { readonly code: StatusErrorCode; readonly message: string; readonly versions: readonly number[] };
}

export type StatusAnswer = StatusReportAnswer | StatusErrorAnswer;

export type ParsedRequest =
  | { readonly ok: true; readonly request: StatusRequest }
  | { readonly ok: false; readonly code: StatusErrorCode; readonly message: string };

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Parses a request body; never throws, whatever the bytes. */
export function parseRequest(data: Uint8Array): ParsedRequest {
  if (data.length === 0) return { ok: true, request: { version: STATUS_VERSION } };
  if (data.length > MAX_REQUEST_BYTES) {
    return { ok: false, code: StatusErrorCode.badRequest, message: `a request of ${data.length} bytes is too long` };
  }
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(data));
  } catch {
    return { ok: false, code: StatusErrorCode.badRequest, message: 'the request is not JSON' };
  }
  const version = (body as { version?: unknown } | null)?.version;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !Number.isInteger(version)) {
    return {
      ok: false,
      code: StatusErrorCode.badRequest,
      message: 'the request must be empty or a JSON object with an integer "version"',
    };
  }
  if (!STATUS_VERSIONS.includes(version as number)) {
    return {
      ok: false,
      code: StatusErrorCode.unsupportedVersion,
      message: `version ${String(version)} is not supported; this node answers version ${STATUS_VERSIONS.join(', ')}`,
    };
  }
  return { ok: true, request: { version: version as number } };
}

export function errorAnswer(
  node: { readonly id: MemberId; readonly name: string },
  code: StatusErrorCode,
  message: string,
): StatusErrorAnswer {
  return {
    protocol: STATUS_PROTOCOL,
    version: STATUS_VERSION,
    node: { id: node.id, name: node.name },
    error: { code, message, versions: STATUS_VERSIONS },
  };
}

/**
 * The answer to send for `report`, encoded, at most `maxPayload` bytes. A node in many groups
 * (each group's entry holds its view's member list and counters, about half a kilobyte) can have
 * a report larger than the server accepts in one message, and a publish over max_payload throws:
 * the answer then keeps the first groups that fit and says how many it left out, and if even the
 * report without groups is too large, it leaves out the mesh view's member list as well.
 */
export function encodeReportAnswer(report: NodeStatusReport, maxPayload: number): Uint8Array {
  const full = encodeJson({ protocol: STATUS_PROTOCOL, version: STATUS_VERSION, node: report });
  if (full.length <= maxPayload) return full;
  for (const meshViewOmitted of [false, true]) {
    const node: NodeStatusReport = meshViewOmitted
      ? { ...report, mesh: { status: report.mesh.status, view: undefined } }
      : report;
    const kept = groupsThatFit(node, maxPayload, meshViewOmitted);
    if (kept === undefined) continue;
    const answer: StatusReportAnswer = {
      protocol: STATUS_PROTOCOL,
      version: STATUS_VERSION,
      node: { ...node, groups: report.groups.slice(0, kept) },
      truncated: {
        groupsTotal: report.groups.length,
        groupsOmitted: report.groups.length - kept,
        meshViewOmitted,
        maxPayload,
      },
    };
    const bytes = encodeJson(answer);
    if (bytes.length <= maxPayload) return bytes;
  }
  return encodeJson(
    errorAnswer(
      report,
      StatusErrorCode.tooLarge,
      `this node's report does not fit in the server's max_payload of ${maxPayload} bytes`,
    ),
  );
}

/**
 * How many of the report's first groups fit beside the rest of it, measured on the encoded
 * pieces (one group's JSON and its comma each), or undefined if not even none do.
 */
function groupsThatFit(report: NodeStatusReport, maxPayload: number, meshViewOmitted: boolean): number | undefined {
  const total = report.groups.length;
  // The skeleton with the counts at their widest, so that the real numbers cannot make it longer.
  const skeleton = encodeJson({
    protocol: STATUS_PROTOCOL,
    version: STATUS_VERSION,
    node: { ...report, groups: [] },
    truncated: { groupsTotal: total, groupsOmitted: total, meshViewOmitted, maxPayload },
  }).length;
  let size = skeleton;
  if (size > maxPayload) return undefined;
  let kept = 0;
  for (const group of report.groups) {
    size += encodeJson(group).length + (kept > 0 ? 1 : 0);
    if (size > maxPayload) break;
    kept++;
  }
  return kept;
}
