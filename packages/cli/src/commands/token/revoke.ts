/**
 * `agent-id token revoke`: records a revocation — one hop of a token (and everything
 * derived from it), an agent, or a user — in a revocation store file or a PostgreSQL
 * database (`--store postgres://…`, where `--issued-before` revokes only what was issued
 * before a time).
 *
 * @module commands/token/revoke
 */
import type { PostgresRevocationStore } from '@agent-id/postgres';
import type { RevocationTarget } from '@agent-id/tokens';
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { guard } from '../../errors.js';
import { UsageError } from '../../exit.js';
import { readTokenArg } from '../../io/input.js';
import { did } from '../../did-values.js';
import { count, parsedOption, time } from '../../option-values.js';
import { Output } from '../../output.js';
import { withJson } from '../shared.js';
import { withRoot } from './options.js';
import { readTokenView } from './read.js';
import { isPostgresUrl, openRevocationStore } from './revocation-store.js';

interface RevokeOptions {
  store: string;
  hop?: number;
  id?: string;
  agent?: string;
  user?: string;
  reason?: string;
  issuedBefore?: number;
  schema?: string;
  root?: string[];
  json?: boolean;
}

/** What to revoke, and how to say it: from the TOKEN argument or exactly one of the options. */
async function targetOf(ctx: CliContext, tokenArg: string | undefined, opts: RevokeOptions): Promise<{ target: RevocationTarget; described: string }> {
  const given = [tokenArg, opts.id, opts.agent, opts.user].filter((v) => v !== undefined).length;
  if (given === 0) throw new UsageError('name what to revoke: TOKEN, --id, --agent or --user', { code: 'missing_option', check: 'target' });
  if (given > 1) throw new UsageError('name only one thing to revoke: TOKEN, --id, --agent or --user', { code: 'usage', check: 'target' });
  if (opts.hop !== undefined && tokenArg === undefined) throw new UsageError('--hop needs TOKEN', { code: 'usage', check: '--hop' });
  if (tokenArg !== undefined) {
    const text = await readTokenArg(ctx, tokenArg, { source: '<token>' });
    const view = await readTokenView(text, opts.root);
    const hop = opts.hop ?? view.chain.length - 1;
    const hopInfo = view.chain[hop];
    // Hop ids, parallel to the chain: a Biscuit block of holder checks is no hop, so block i need not be hop i.
    const id = view.revocationIds[hop];
    if (hopInfo === undefined || id === undefined || id === '') {
      throw new UsageError(`--hop ${hop} is not a hop of this token (it has ${view.chain.length})`, { code: 'invalid_option', check: '--hop' });
    }
    return { target: { kind: 'token', id }, described: `hop ${hop} (${hopInfo.from} → ${hopInfo.to}, task ${view.task}) and every token derived from it` };
  }
  if (opts.id !== undefined) return { target: { kind: 'token', id: opts.id }, described: `the hop with revocation id ${opts.id} and every token derived from it` };
  if (opts.agent !== undefined) return { target: { kind: 'agent', did: opts.agent }, described: `every token whose chain passes through ${opts.agent}` };
  return { target: { kind: 'principal', id: opts.user! }, described: `everything acting on behalf of ${opts.user}` };
}

/** Adds `token revoke` to the `token` group. */
export function registerRevoke(token: Command, ctx: CliContext): void {
  const command = token
    .command('revoke')
    .description("record a revocation: one hop of a task's token (and all below it), an agent, or a user")
    .argument('[token]', 'the token whose hop to revoke: itself, @FILE, or - for standard input')
    .requiredOption('--store <file-or-url>', 'the revocation store: a file (created owner-only if missing) or a postgres:// URL (tables made by `agent-id db migrate`)')
    .addOption(parsedOption('--hop <n>', "with TOKEN: which hop to revoke, 0 = the authority (default: the token's last hop)", count))
    .option('--id <revocation-id>', 'revoke one hop by its revocation id (from token inspect)')
    .addOption(parsedOption('--agent <did>', 'revoke every token whose chain passes through this agent', did))
    .option('--user <user>', 'revoke everything acting on behalf of this user or organisation')
    .option('--reason <text>', 'why, kept in the store')
    .option('--schema <name>', 'with a postgres:// store: the schema of its tables (default agent_id)')
    .addOption(parsedOption('--issued-before <time>', 'with --agent or --user and a postgres:// store: revoke only what was issued before this time (ISO 8601), not what comes later', time));
  withJson(withRoot(command, 'optional with a Biscuit TOKEN: the hop ids are read either way'))
    .addHelpText(
      'after',
      `
Examples:
  $ agent-id token revoke @token.3 --store revoked.jsonl --root did:key:z6Mk…   # that token and all below it
  $ agent-id token revoke --agent did:key:z6Mk… --store revoked.jsonl
  $ agent-id token revoke --user alice --store revoked.jsonl
  $ agent-id token revoke --agent did:key:z6Mk… --store postgres://admin@db.internal/agentid
  $ agent-id token revoke --agent did:key:z6Mk… --issued-before 2030-01-01T00:00:00Z --store postgres://…`,
    )
    .action(async (tokenArg: string | undefined, opts: RevokeOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const { target, described } = await targetOf(ctx, tokenArg, opts);
        const before = opts.issuedBefore;
        if (before !== undefined && (target.kind === 'token' || !isPostgresUrl(opts.store))) {
          throw new UsageError('--issued-before needs --agent or --user and a postgres:// store', { code: 'usage', check: '--issued-before' });
        }
        const store = await openRevocationStore(opts.store, { option: '--store', create: true, ...(opts.schema !== undefined ? { schema: opts.schema } : {}) });
        try {
          const options = opts.reason !== undefined ? { reason: opts.reason } : {};
          let entry: Awaited<ReturnType<typeof store.revoke>>;
          if (before !== undefined && 'revokeIssuedBefore' in store && target.kind !== 'token') {
            entry = await (store as PostgresRevocationStore).revokeIssuedBefore(target, before, options);
          } else {
            entry = await store.revoke(target, options);
          }
          const when = before !== undefined ? ` issued before ${new Date(before).toISOString()}` : '';
          // The store's URL may carry a password: it is never printed.
          out.result(`revoked ${described}${when}`, { ok: true, revoked: entry, store: isPostgresUrl(opts.store) ? 'postgres' : opts.store });
        } finally {
          await store.close();
        }
      });
    });
}
