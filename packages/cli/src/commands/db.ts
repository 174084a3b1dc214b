/**
 * `agent-id db`: the PostgreSQL database of a fleet's revocations and audit logs.
 *
 * @module commands/db
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { guard } from '../errors.js';
import { UsageError } from '../exit.js';
import { Output } from '../output.js';
import { withJson } from './shared.js';
import { isPostgresUrl } from './token/revocation-store.js';

interface MigrateOptions {
  store: string;
  schema?: string;
  serviceRole?: string;
  json?: boolean;
}

/** Adds `db migrate` to the `db` group. */
export function registerDbCommands(db: Command, ctx: CliContext): void {
  withJson(
    db
      .command('migrate')
      .description('create or bring up to date the tables of the revocation store and the audit sink (safe to run again)')
      .requiredOption('--store <url>', 'the database: a postgres:// URL (a role that may create tables); PG* variables fill in what it omits')
      .option('--schema <name>', 'the schema the tables go in (default agent_id)')
      .option('--service-role <role>', 'grant this role what verifiers and audit writers need: read and add revocations, read and append audit rows, never change them'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ agent-id db migrate --store postgres://admin@db.internal/agentid --service-role agent_id_service
  migrated schema agent_id to version 1 (applied 1)`,
    )
    .action(async (opts: MigrateOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        if (!isPostgresUrl(opts.store)) throw new UsageError('--store must be a postgres:// or postgresql:// URL', { code: 'invalid_option', check: '--store' });
        const { migrate } = await import('@agent-id/postgres');
        const result = await migrate(opts.store, {
          ...(opts.schema !== undefined ? { schema: opts.schema } : {}),
          ...(opts.serviceRole !== undefined ? { serviceRole: opts.serviceRole } : {}),
        });
        const applied = result.applied.length === 0 ? 'already up to date' : `applied ${result.applied.join(', ')}`;
        out.result(`migrated schema ${result.schema} to version ${result.version} (${applied})`, { ok: true, ...result });
      });
    });
}
