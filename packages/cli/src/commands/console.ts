/**
 * `agent-id console`: serve the console page (token inspector, card viewer, audit timeline,
 * live view) on loopback. Every check runs in the page, with the libraries; this module
 * parses the options, names the audit source and serves.
 *
 * @module commands/console
 */
import type { AuditSource } from '@agent-id/console/node';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { guard } from '../errors.js';
import { UsageError } from '../exit.js';
import { readFileLimited } from '../io/files.js';
import { count, invalidOption, parsedOption } from '../option-values.js';
import { Output } from '../output.js';
import { withJson } from './shared.js';

interface ConsoleOptions {
  host: string;
  port: number;
  audit?: string;
  logId?: string;
  schema?: string;
  json?: boolean;
}

/** What the page reads at most (its own limit): a larger log is refused when read. */
const MAX_AUDIT_BYTES = 16 * 1024 * 1024;

function port(value: string, option: string): number {
  const n = count(value, option);
  if (n > 65_535) throw invalidOption(option, `${option} must be a port number (0 to 65535)`);
  return n;
}

/** The `/audit` source: a JSON Lines file read on every request, or one writer's log in a PostgreSQL audit table. */
async function auditSource(opts: ConsoleOptions): Promise<AuditSource | undefined> {
  const where = opts.audit;
  if (where === undefined) {
    if (opts.logId !== undefined) throw new UsageError('--log-id needs --audit postgres://…', { code: 'usage', check: '--log-id' });
    return undefined;
  }
  if (/^postgres(?:ql)?:\/\//.test(where)) {
    const logId = opts.logId;
    if (logId === undefined) throw new UsageError('--audit postgres://… needs --log-id (the writer whose chain to show)', { code: 'missing_option', check: '--log-id' });
    const { exportPostgresAuditLog } = await import('@agent-id/postgres');
    return { read: async () => (await exportPostgresAuditLog(where, logId, opts.schema !== undefined ? { schema: opts.schema } : {})).log };
  }
  if (opts.logId !== undefined || opts.schema !== undefined) throw new UsageError('--log-id and --schema are for --audit postgres://…', { code: 'usage', check: '--log-id' });
  const read = () =>
    readFileLimited(where, {
      maxBytes: MAX_AUDIT_BYTES,
      what: 'audit log',
      source: '--audit',
      tooLarge: (size) => new UsageError(`audit log ${where}: ${size} bytes is more than the console reads (${MAX_AUDIT_BYTES})`, { code: 'invalid_argument', check: '--audit' }),
    });
  // Read once now, so a missing or unreadable file is a usage error before serving.
  await read();
  return { read };
}

export function registerConsoleCommands(command: Command, ctx: CliContext): void {
  withJson(
    command
      .option('--host <host>', 'address to listen on', '127.0.0.1')
      .addOption(parsedOption('--port <n>', 'port to listen on (0: any free port)', port).default(0))
      .option('--audit <file-or-url>', "an audit log the page's timeline can load from the server: a JSON Lines file, or postgres://… (with --log-id)")
      .option('--log-id <id>', 'with --audit postgres://…: the writer whose log to serve')
      .option('--schema <name>', 'with --audit postgres://…: the schema of the audit table'),
  )
    .addHelpText(
      'after',
      `
Serves the console page (token inspector, card viewer, audit timeline, live view) with a
strict Content-Security-Policy; tokens, cards and logs are verified in the page itself and
nothing leaves the browser unless you fetch a URL there. Prints the URL once listening;
stops on SIGINT or SIGTERM. Exit status: 0 stopped, 2 usage.

Examples:
  $ agent-id console
  console http://127.0.0.1:41234/
  $ agent-id console --port 8080 --audit audit.jsonl`,
    )
    .action(async (opts: ConsoleOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const audit = await auditSource(opts);
        const { serveConsole } = await import('@agent-id/console/node');
        const server = await serveConsole({ host: opts.host, port: opts.port, ...(audit ? { audit } : {}) });
        out.result(`console ${server.url}`, { url: server.url, audit: audit !== undefined });
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await server.close();
      });
    });
}
