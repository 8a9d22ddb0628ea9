#!/usr/bin/env node
import type { NatsConnection } from '@nats-io/transport-node';
import { connect as natsConnect } from '@nats-io/transport-node';
import { NatsConnectError } from '../connect.js';
import type { StatusGathering } from '../status/gather.js';
import { StatusGatherError, gatherStatus } from '../status/gather.js';
import type { StatusCommand } from './args.js';
import { ExitCode, USAGE, UsageError, natsOptions, parseCommand } from './args.js';
import { render } from './render.js';

// `cohort`, the operator's command line (bin of @cohort/nats): `cohort status` asks a namespace's
// nodes for their status over NATS and prints it once, or again and again with --watch.

/** Home, then clear to the end: a redraw without the scroll-back filling with old screens. */
const CLEAR = '\x1b[H\x1b[2J';

function fail(message: string, code: number): number {
  process.stderr.write(`cohort: ${message}\n`);
  return code;
}

async function open(command: StatusCommand): Promise<NatsConnection> {
  const servers = [...command.servers];
  try {
    return await natsConnect({
      ...natsOptions(command),
      servers,
      name: 'cohort-status',
      // Asking once: an unreachable server is an answer. Watching: ride out restarts.
      maxReconnectAttempts: command.watchMs === undefined ? 0 : -1,
      timeout: Math.max(command.timeoutMs, 5000),
    });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new NatsConnectError(servers, error);
  }
}

function noAnswer(g: StatusGathering, timeoutMs: number): string {
  const why =
    g.ended === 'no-responders'
      ? `nobody subscribes to cohort.${g.namespace}.status`
      : `within ${timeoutMs} ms (is --namespace right, and are the nodes on these servers?)`;
  const refused = g.errors.length > 0 ? `; ${g.errors.length} refused (${g.errors[0]!.error.message})` : '';
  return `no node answered in namespace ${g.namespace}: ${why}${refused}`;
}

async function once(connection: NatsConnection, command: StatusCommand): Promise<number> {
  const g = await gatherStatus(connection, command.namespace, { timeoutMs: command.timeoutMs });
  process.stdout.write(`${command.json ? JSON.stringify(g, null, 2) : render(g)}\n`);
  return g.reports.length === 0 ? fail(noAnswer(g, command.timeoutMs), ExitCode.noAnswer) : ExitCode.ok;
}

/** Until Ctrl-C. A gathering nobody answered is shown like any other: the namespace may come back. */
async function watch(connection: NatsConnection, command: StatusCommand, everyMs: number): Promise<never> {
  // Nothing to save or flush: exit at once rather than after the gathering under way.
  process.once('SIGINT', () => process.exit(ExitCode.ok));
  for (;;) {
    const started = Date.now();
    const g = await gatherStatus(connection, command.namespace, { timeoutMs: command.timeoutMs });
    if (command.json) process.stdout.write(`${JSON.stringify(g)}\n`);
    else {
      const empty = g.reports.length === 0 ? `\n\n${noAnswer(g, command.timeoutMs)}` : '';
      process.stdout.write(`${CLEAR}${render(g)}${empty}\n\nevery ${everyMs} ms; Ctrl-C to stop\n`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, everyMs - (Date.now() - started))));
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseCommand(argv);
    if (command.kind === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return ExitCode.ok;
    }
    const options = command.options;
    const connection = await open(options);
    try {
      return options.watchMs === undefined
        ? await once(connection, options)
        : await watch(connection, options, options.watchMs);
    } finally {
      await connection.close();
    }
  } catch (error) {
    if (error instanceof UsageError) return fail(`${error.message}\n(cohort --help for usage)`, ExitCode.usage);
    if (error instanceof NatsConnectError || error instanceof StatusGatherError)
      return fail(error.message, ExitCode.failed);
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
