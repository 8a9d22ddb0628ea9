import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ConnectionOptions } from '@nats-io/transport-node';
import { credsAuthenticator, nkeyAuthenticator } from '@nats-io/transport-node';
import { CohortError, InvalidNameError, validateName } from '@cohort/core';

// `cohort status` flags: parsed into the options of one command, or a UsageError whose message
// says which flag to fix. Reading the credential files belongs here too, so that a missing file
// is a usage error (exit 2), not a connection failure.

/** The exit codes, as --help documents them. */
export const ExitCode = { ok: 0, failed: 1, usage: 2, noAnswer: 3 } as const;

export const USAGE = `usage: cohort status [--servers URLS] --namespace NS [--json] [--watch [MS]] [--timeout MS]
                     [--user U --pass P | --token T | --creds FILE | --nkey-seed FILE] [--tls-ca FILE]

Asks every node of a Cohort namespace for its status over NATS (docs/design/status-protocol.md)
and prints the mesh (root coordinator, nodes with their ages, members that did not answer), then
every group: its view, coordinator and members, and each member's counters.

  --servers URLS      NATS server URLs, comma-separated (default nats://127.0.0.1:4222)
  --namespace NS      the namespace to ask in
  --json              print one JSON document (with --watch: one per line and refresh)
  --watch [MS]        ask again every MS milliseconds (default 2000) and redraw, until Ctrl-C
  --timeout MS        wait at most MS milliseconds for the answers (default 2000)
  --user U --pass P   NATS user and password
  --token T           NATS token
  --creds FILE        NATS credentials file (user JWT and nkey seed)
  --nkey-seed FILE    file holding an nkey seed (SU...)
  --tls-ca FILE       CA certificate(s) to verify the server's TLS certificate with
  --help              this text

The NATS user needs publish permission on cohort.<NS>.status and subscribe permission on _INBOX.>.

Exit codes:
  0  the status was printed (with --watch: stopped with Ctrl-C)
  1  the NATS server could not be reached, or refused the request
  2  bad arguments: the message says which to fix
  3  no node answered in the namespace`;

/** The command line cannot be used as given; the message says what to change. */
export class UsageError extends CohortError {}

export type Auth =
  | { readonly kind: 'none' }
  | { readonly kind: 'user'; readonly user: string; readonly pass: string }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'creds'; readonly file: string }
  | { readonly kind: 'nkey'; readonly file: string };

export interface StatusCommand {
  readonly servers: readonly string[];
  readonly namespace: string;
  readonly json: boolean;
  /** Undefined: ask once. */
  readonly watchMs: number | undefined;
  readonly timeoutMs: number;
  readonly auth: Auth;
  readonly tlsCa: string | undefined;
}

export type Command = { readonly kind: 'help' } | { readonly kind: 'status'; readonly options: StatusCommand };

const DEFAULT_WATCH_MS = 2000;

/** Parses `argv` (without node and the script); throws UsageError. */
export function parseCommand(argv: readonly string[]): Command {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') return { kind: 'help' };
  if (verb !== 'status') throw new UsageError(`unknown command ${JSON.stringify(verb)}: the only command is status`);
  const { args, watch } = takeWatch(rest);
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        servers: { type: 'string' },
        namespace: { type: 'string' },
        json: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        user: { type: 'string' },
        pass: { type: 'string' },
        token: { type: 'string' },
        creds: { type: 'string' },
        'nkey-seed': { type: 'string' },
        'tls-ca': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  if (values.help) return { kind: 'help' };
  if (values.namespace === undefined) throw new UsageError('--namespace is required: which namespace to ask in');
  try {
    validateName('namespace', values.namespace);
  } catch (error) {
    if (!(error instanceof InvalidNameError)) throw error;
    throw new UsageError(`--namespace: ${error.message}`, { cause: error });
  }
  return {
    kind: 'status',
    options: {
      servers: serverList(values.servers),
      namespace: values.namespace,
      json: values.json,
      watchMs: watch === undefined ? undefined : positive('--watch', watch),
      timeoutMs: values.timeout === undefined ? 2000 : positive('--timeout', values.timeout),
      auth: auth(values),
      tlsCa: values['tls-ca'],
    },
  };
}

/** `--watch` takes an optional value, which parseArgs cannot express: it is taken out first. */
function takeWatch(args: readonly string[]): { args: string[]; watch: string | undefined } {
  const out: string[] = [];
  let watch: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith('--watch=')) watch = arg.slice('--watch='.length);
    else if (arg !== '--watch') out.push(arg);
    else if (/^[0-9]+$/.test(args[i + 1] ?? '')) watch = args[++i];
    else watch = String(DEFAULT_WATCH_MS);
  }
  return { args: out, watch };
}

function positive(flag: string, value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`${flag} must be a whole number of milliseconds ≥ 1, got ${JSON.stringify(value)}`);
  }
  return n;
}

function serverList(servers: string | undefined): string[] {
  if (servers === undefined) return ['nats://127.0.0.1:4222'];
  const list = servers
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (list.length === 0) throw new UsageError('--servers: no NATS server URL given');
  return list;
}

interface AuthFlags {
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  readonly creds?: string;
  readonly 'nkey-seed'?: string;
}

function auth(values: AuthFlags): Auth {
  const given = (['user', 'token', 'creds', 'nkey-seed'] as const).filter((f) => values[f] !== undefined);
  if (given.length > 1) {
    throw new UsageError(`use one way to authenticate, not ${given.map((f) => `--${f}`).join(' and ')}`);
  }
  if ((values.user === undefined) !== (values.pass === undefined)) {
    throw new UsageError('--user and --pass go together');
  }
  if (values.user !== undefined) return { kind: 'user', user: values.user, pass: values.pass! };
  if (values.token !== undefined) return { kind: 'token', token: values.token };
  if (values.creds !== undefined) return { kind: 'creds', file: values.creds };
  if (values['nkey-seed'] !== undefined) return { kind: 'nkey', file: values['nkey-seed'] };
  return { kind: 'none' };
}

function readFlagFile(flag: string, file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** The NATS client's options for the command: authentication and TLS, files read now. */
export function natsOptions(command: StatusCommand): Partial<ConnectionOptions> {
  const options: Partial<ConnectionOptions> = {};
  const a = command.auth;
  if (a.kind === 'user') Object.assign(options, { user: a.user, pass: a.pass });
  else if (a.kind === 'token') options.token = a.token;
  else if (a.kind === 'creds') options.authenticator = credsAuthenticator(readFlagFile('--creds', a.file));
  else if (a.kind === 'nkey') {
    const seed = new TextDecoder().decode(readFlagFile('--nkey-seed', a.file)).trim();
    options.authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
  }
  if (command.tlsCa !== undefined) {
    readFlagFile('--tls-ca', command.tlsCa);
    options.tls = { caFile: command.tlsCa };
  }
  return options;
}
