// The fields tests commonly read from nats-server's monitoring endpoints; everything else the
// server sends is still there, untyped.

export interface Varz {
  readonly server_id: string;
  readonly server_name: string;
  readonly version: string;
  readonly host: string;
  readonly port: number;
  readonly http_port: number;
  readonly max_payload: number;
  readonly connections: number;
  readonly total_connections: number;
  readonly routes: number;
  readonly in_msgs: number;
  readonly out_msgs: number;
  readonly subscriptions: number;
  /** Resident memory of the server process, bytes. */
  readonly mem: number;
  /** Connections the server closed (or flagged) as slow consumers so far. */
  readonly slow_consumers: number;
  readonly [field: string]: unknown;
}

export interface ConnzConnection {
  readonly cid: number;
  readonly name?: string;
  readonly ip: string;
  readonly port: number;
  readonly subscriptions: number;
  readonly in_msgs: number;
  readonly out_msgs: number;
  readonly subscriptions_list?: readonly string[];
  readonly [field: string]: unknown;
}

export interface Connz {
  readonly server_id: string;
  readonly num_connections: number;
  readonly total: number;
  readonly connections: readonly ConnzConnection[];
  readonly [field: string]: unknown;
}

export interface RouteInfo {
  readonly rid: number;
  readonly remote_id: string;
  readonly did_solicit: boolean;
  readonly ip: string;
  readonly port: number;
  readonly [field: string]: unknown;
}

export interface Routez {
  readonly server_id: string;
  readonly num_routes: number;
  readonly routes: readonly RouteInfo[] | null;
  readonly [field: string]: unknown;
}

/** Query parameters for /connz, e.g. `{ subs: true }` or `{ state: 'all' }`. */
export type MonitorQuery = Readonly<Record<string, string | number | boolean>>;

// A SIGSTOPped server accepts the TCP connection but never answers; requests must not hang.
const REQUEST_TIMEOUT_MS = 2_000;

function endpoint(monitorPort: number, path: string, query: MonitorQuery = {}): string {
  const url = new URL(`http://127.0.0.1:${monitorPort}/${path}`);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value));
  return url.toString();
}

export async function fetchMonitor<T>(
  monitorPort: number,
  path: string,
  query?: MonitorQuery,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<T> {
  const url = endpoint(monitorPort, path, query);
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) {
    const body = await response.text().catch(() => '');
    throw new Error(`GET ${url}: HTTP ${response.status} ${body}`.trim());
  }
  return (await response.json()) as T;
}

/** Whether /healthz answers 200 right now (false on any error, including a refused connection). */
export async function healthzOk(monitorPort: number, timeoutMs = 1_000): Promise<boolean> {
  try {
    const response = await fetch(endpoint(monitorPort, 'healthz'), { signal: AbortSignal.timeout(timeoutMs) });
    // Reading the body returns the connection to the pool instead of leaving it half-used.
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}
