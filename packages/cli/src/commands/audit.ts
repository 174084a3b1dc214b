/**
 * `agent-id audit`: verify and read hash-chained audit logs (JSON Lines).
 *
 * @module commands/audit
 */
import { stat } from 'node:fs/promises';
import { type AuditEntry, type AuditLogReport, isAgentIdError, verifyAuditLinesReport } from '@agent-id/core';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { guard } from '../errors.js';
import { Refusal, UsageError } from '../exit.js';
import { MAX_LOG_BYTES, readInput } from '../io/input.js';
import { loadRootPublicKeys } from '../io/keys.js';
import { choiceOption, duration, invalidOption, listOption, asGiven, parsedOption } from '../option-values.js';
import { Output } from '../output.js';
import { withJson } from './shared.js';

/** Options both subcommands take: where the log's checkpoints are and who signs them. */
interface CheckpointOptions {
  checkpointKey?: string[];
  checkpoints?: string;
  maxCheckpointAge?: number;
}

interface AuditVerifyOptions extends CheckpointOptions {
  head?: { seq: number; hash: string };
  store?: string;
  logId?: string;
  schema?: string;
  json?: boolean;
}

interface AuditShowOptions extends CheckpointOptions {
  user?: string;
  agent?: string;
  task?: string;
  decision?: string;
  json?: boolean;
}

/** `--head SEQ:HASH`: the last entry's sequence number and hash, recorded elsewhere. */
function head(text: string, option: string): { seq: number; hash: string } {
  const m = /^(\d{1,15}):([0-9a-f]{64})$/.exec(text);
  if (!m) throw invalidOption(option, `${option} must be SEQ:HASH (the last entry's seq and 64-hex hash)`);
  return { seq: Number(m[1]), hash: m[2]! };
}

/** The checkpoint file's text, or null when it does not exist (the verifier then refuses: checkpoint_missing). */
async function readCheckpointFile(ctx: CliContext, path: string, source: string): Promise<string | null> {
  try {
    await stat(path);
  } catch (e) {
    if (typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'ENOENT') return null;
  }
  return readInput(ctx, path, { what: 'checkpoint file', source, maxBytes: MAX_LOG_BYTES });
}

/** Reads the log (and, with `--checkpoint-key`, its checkpoints) and verifies them; a broken log is a refusal (exit 1). */
async function verifyLog(ctx: CliContext, path: string, opts: CheckpointOptions, expectedHead?: { seq: number; hash: string }): Promise<AuditLogReport> {
  const keyValues = opts.checkpointKey ?? [];
  if (keyValues.length === 0 && opts.checkpoints !== undefined) {
    throw new UsageError('--checkpoints is read only with --checkpoint-key (the key that signs them)', { code: 'usage', check: '--checkpoints' });
  }
  if (keyValues.length === 0 && opts.maxCheckpointAge !== undefined) {
    throw new UsageError('--max-checkpoint-age needs --checkpoint-key', { code: 'usage', check: '--max-checkpoint-age' });
  }
  if (keyValues.length > 0 && path === '-' && opts.checkpoints === undefined) {
    throw new UsageError('the log comes from standard input: name its checkpoint file with --checkpoints FILE', { code: 'missing_option', check: '--checkpoints' });
  }
  const checkpointKey = await loadRootPublicKeys(keyValues, '--checkpoint-key');
  const text = await readInput(ctx, path, { what: 'audit log', source: '<log>', maxBytes: MAX_LOG_BYTES });
  const checkpoints =
    checkpointKey.length > 0 ? await readCheckpointFile(ctx, opts.checkpoints ?? `${path}.checkpoints`, opts.checkpoints !== undefined ? '--checkpoints' : '<log>') : null;
  try {
    return verifyAuditLinesReport(text, {
      ...(expectedHead !== undefined ? { expectedHead } : {}),
      ...(checkpointKey.length > 0 ? { checkpointKey, checkpoints } : {}),
      ...(opts.maxCheckpointAge !== undefined ? { maxCheckpointAge: opts.maxCheckpointAge } : {}),
    });
  } catch (e) {
    if (isAgentIdError(e)) throw new Refusal(e, { intact: false, line: (e as { line?: number }).line ?? null });
    throw e;
  }
}

/** The audit table of a PostgreSQL database: one writer's chain (`--log-id`) or every writer's. */
async function verifyStore(path: string | undefined, opts: AuditVerifyOptions): Promise<{ human: string; json: Record<string, unknown> }> {
  const url = opts.store!;
  if (path !== undefined) throw new UsageError('name a log file or --store, not both', { code: 'usage', check: '--store' });
  if (!/^postgres(?:ql)?:\/\//.test(url)) throw new UsageError('--store must be a postgres:// or postgresql:// URL', { code: 'invalid_option', check: '--store' });
  if (opts.checkpoints !== undefined) throw new UsageError('--checkpoints is for a log file; the database holds its checkpoints', { code: 'usage', check: '--checkpoints' });
  if (opts.head !== undefined && opts.logId === undefined) throw new UsageError('--head needs --log-id (the head of one writer)', { code: 'usage', check: '--head' });
  const keyValues = opts.checkpointKey ?? [];
  if (keyValues.length === 0 && opts.maxCheckpointAge !== undefined) throw new UsageError('--max-checkpoint-age needs --checkpoint-key', { code: 'usage', check: '--max-checkpoint-age' });
  const checkpointKey = await loadRootPublicKeys(keyValues, '--checkpoint-key');
  const options = {
    ...(checkpointKey.length > 0 ? { checkpointKey } : {}),
    ...(opts.maxCheckpointAge !== undefined ? { maxCheckpointAge: opts.maxCheckpointAge } : {}),
    ...(opts.head !== undefined ? { expectedHead: opts.head } : {}),
    ...(opts.schema !== undefined ? { schema: opts.schema } : {}),
  };
  const { verifyPostgresAudit, verifyPostgresAuditLog } = await import('@agent-id/postgres');
  let reports: AuditLogReport[];
  try {
    reports = opts.logId !== undefined ? [await verifyPostgresAuditLog(url, opts.logId, options)] : await verifyPostgresAudit(url, options);
  } catch (e) {
    if (isAgentIdError(e) && e.code !== 'unreachable') throw new Refusal(e, { intact: false, line: (e as { line?: number }).line ?? null });
    throw e;
  }
  const logs = reports.map((r) => ({ logId: r.logId, entries: r.entries.length, head: r.entries.length > 0 ? r.head : null, checkpoint: r.checkpoint }));
  const human = [
    `intact: ${logs.length} log${logs.length === 1 ? '' : 's'}`,
    ...logs.map((l) => `  ${l.logId}: ${l.entries} entr${l.entries === 1 ? 'y' : 'ies'}${l.head !== null ? `, head ${l.head.seq}:${l.head.hash}` : ''}${l.checkpoint !== null ? `, checkpoint seq ${l.checkpoint.seq} signed ${l.checkpoint.time}` : ''}`),
    ...(checkpointKey.length === 0 ? ['checkpoints: not checked (pass --checkpoint-key to prove where each log ends)'] : []),
  ].join('\n');
  return { human, json: { ok: true, intact: true, logs } };
}

/** Adds the checkpoint options to a subcommand. */
function withCheckpointOptions(command: Command): Command {
  return command
    .addOption(
      listOption('--checkpoint-key <did-or-file>', "the writing service's key that signs checkpoints: a did:key or a JWK file (repeatable, e.g. during a key rotation)", asGiven),
    )
    .addOption(parsedOption('--checkpoints <file>', "the checkpoint file (default: the log's path followed by .checkpoints)", asGiven))
    .addOption(
      parsedOption('--max-checkpoint-age <duration>', 'refuse when the newest checkpoint is older than this (e.g. 15m): catches a log rolled back with its checkpoints', duration),
    );
}

/** The record's chain, or none when a (hash-valid) record carries something else. */
function chainOf(record: AuditEntry['record']): AuditEntry['record']['chain'] {
  return Array.isArray(record.chain) ? record.chain.filter((h) => typeof h === 'object' && h !== null) : [];
}

function describeEntry(entry: AuditEntry): string {
  const r = entry.record;
  const chain = chainOf(r);
  const hops = chain.map((h) => h.to).join(' → ');
  return [
    `#${entry.seq} ${r.timestamp} ${String(r.decision).toUpperCase()} ${r.action} ${r.resource}`,
    `    agent ${r.agent} on behalf of ${r.onBehalfOf}${r.task !== null ? `, task ${r.task}` : ''}`,
    `    ${r.decision === 'deny' ? `denied: ${r.reason}${r.code !== undefined ? ` (${r.code})` : ''}` : `reason: ${r.reason}`}`,
    ...(chain.length > 0 ? [`    chain: ${chain[0]?.from ?? ''} → ${hops}`] : []),
  ].join('\n');
}

/** Adds `audit verify` and `audit show` to the `audit` group. */
export function registerAuditCommands(audit: Command, ctx: CliContext): void {

  withJson(
    withCheckpointOptions(
      audit
        .command('verify')
        .description('check that the hash chain is intact and every line exactly what the writer wrote; with --checkpoint-key, that the log ends where its signed checkpoints say')
        .argument('[log]', 'the audit log (JSON Lines), or - for standard input')
        .addOption(parsedOption('--head <seq:hash>', 'the head recorded elsewhere, to detect a truncated tail', head))
        .option('--store <url>', 'verify the audit table of a PostgreSQL database (postgres://…) instead of a file: every writer\'s chain, or --log-id\'s')
        .option('--log-id <id>', 'with --store: only this writer\'s chain')
        .option('--schema <name>', 'with --store: the schema of its tables (default agent_id)'),
    ),
  )
    .addHelpText(
      'after',
      `
Exit status: 0 intact, 1 refused (the log or its checkpoints are broken: see code and check), 2 usage.

Examples:
  $ agent-id audit verify audit.jsonl
  intact: 42 entries, head 41:9f2c…
  $ agent-id audit verify audit.jsonl --checkpoint-key did:key:z6Mk…   # reads audit.jsonl.checkpoints
  $ agent-id audit verify --store postgres://auditor@db.internal/agentid --checkpoint-key did:key:z6Mk…`,
    )
    .action(async (path: string | undefined, opts: AuditVerifyOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        if (opts.store !== undefined) {
          const { human, json } = await verifyStore(path, opts);
          out.result(human, json);
          return;
        }
        if (opts.logId !== undefined || opts.schema !== undefined) throw new UsageError('--log-id and --schema need --store', { code: 'usage', check: opts.logId !== undefined ? '--log-id' : '--schema' });
        if (path === undefined) throw new UsageError('name the log: a file, - for standard input, or --store postgres://…', { code: 'usage', check: '<log>' });
        const report = await verifyLog(ctx, path, opts, opts.head);
        const { entries, checkpoint, logId } = report;
        const head = entries.length > 0 ? report.head : null;
        const afterCheckpoint = checkpoint !== null ? report.head.seq - checkpoint.seq : null;
        out.result(
          () =>
            [
              `intact: ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}${head !== null ? `, head ${head.seq}:${head.hash}` : ''}`,
              `log id: ${logId}`,
              checkpoint !== null
                ? `checkpoint: seq ${checkpoint.seq}, signed ${checkpoint.time}; ${afterCheckpoint} entr${afterCheckpoint === 1 ? 'y' : 'ies'} after it${afterCheckpoint === 0 ? '' : ' (not covered by a signature yet)'}`
                : 'checkpoints: not checked (pass --checkpoint-key to prove where the log ends)',
            ].join('\n'),
          { ok: true, intact: true, entries: entries.length, head, logId, checkpoint, afterCheckpoint },
        );
      });
    });

  withJson(
    withCheckpointOptions(
      audit
        .command('show')
        .description('print the records of a verified log, optionally filtered')
        .argument('<log>', 'the audit log (JSON Lines), or - for standard input')
        .option('--user <user>', 'only records on behalf of this user or organisation')
        .option('--agent <did>', 'only records of this acting agent, or where it appears in the chain (any recorded value)')
        .option('--task <task>', 'only records of this task')
        .addOption(choiceOption('--decision <decision>', 'only allowed or only denied requests', ['allow', 'deny'])),
    ),
  )
    .addHelpText('after', '\nExample:\n  $ agent-id audit show audit.jsonl --user did:web:acme.example:users:alice --task t-42')
    .action(async (path: string, opts: AuditShowOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const { entries: all } = await verifyLog(ctx, path, opts);
        const entries = all.filter(
          ({ record: r }) =>
            (opts.user === undefined || r.onBehalfOf === opts.user) &&
            (opts.agent === undefined || r.agent === opts.agent || chainOf(r).some((h) => h.from === opts.agent || h.to === opts.agent)) &&
            (opts.task === undefined || r.task === opts.task) &&
            (opts.decision === undefined || r.decision === opts.decision),
        );
        out.result(() => (entries.length === 0 ? 'no matching records' : entries.map(describeEntry).join('\n')), { ok: true, entries });
      });
    });
}
