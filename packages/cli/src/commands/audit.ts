/**
 * `agent-id audit`: verify and read hash-chained audit logs (JSON Lines).
 *
 * @module commands/audit
 */
import { type AuditEntry, AuditChainBrokenError, verifyAuditLines } from '@agent-id/core';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { guard } from '../errors.js';
import { Refusal } from '../exit.js';
import { MAX_LOG_BYTES, readInput } from '../io/input.js';
import { choiceOption, invalidOption, parsedOption } from '../option-values.js';
import { Output } from '../output.js';
import { withJson } from './shared.js';

interface AuditVerifyOptions {
  head?: { seq: number; hash: string };
  json?: boolean;
}

interface AuditShowOptions {
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

function verifyOrRefuse(text: string, options: { expectedHead?: { seq: number; hash: string } }): AuditEntry[] {
  try {
    return verifyAuditLines(text, options);
  } catch (e) {
    if (e instanceof AuditChainBrokenError) throw new Refusal(e, { intact: false, line: e.line ?? null });
    throw e;
  }
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
    audit
      .command('verify')
      .description('check that the hash chain is intact, or say where it breaks')
      .argument('<log>', 'the audit log (JSON Lines), or - for standard input')
      .addOption(parsedOption('--head <seq:hash>', 'the head recorded elsewhere, to detect a truncated tail', head)),
  )
    .addHelpText('after', '\nExample:\n  $ agent-id audit verify audit.jsonl\n  intact: 42 entries')
    .action(async (path: string, opts: AuditVerifyOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const text = await readInput(ctx, path, { what: 'audit log', source: '<log>', maxBytes: MAX_LOG_BYTES });
        const entries = verifyOrRefuse(text, opts.head !== undefined ? { expectedHead: opts.head } : {});
        const last = entries.at(-1);
        const head = last !== undefined ? { seq: last.seq, hash: last.hash } : null;
        out.result(
          () => `intact: ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}${head !== null ? `, head ${head.seq}:${head.hash}` : ''}`,
          { ok: true, intact: true, entries: entries.length, head },
        );
      });
    });

  withJson(
    audit
      .command('show')
      .description('print the records of a verified log, optionally filtered')
      .argument('<log>', 'the audit log (JSON Lines), or - for standard input')
      .option('--user <user>', 'only records on behalf of this user or organisation')
      .option('--agent <did>', 'only records of this acting agent, or where it appears in the chain (any recorded value)')
      .option('--task <task>', 'only records of this task')
      .addOption(choiceOption('--decision <decision>', 'only allowed or only denied requests', ['allow', 'deny'])),
  )
    .addHelpText('after', '\nExample:\n  $ agent-id audit show audit.jsonl --user did:web:acme.example:users:alice --task t-42')
    .action(async (path: string, opts: AuditShowOptions) => {
      const out = new Output(ctx, opts.json);
      await guard(ctx, out, async () => {
        const text = await readInput(ctx, path, { what: 'audit log', source: '<log>', maxBytes: MAX_LOG_BYTES });
        const entries = verifyOrRefuse(text, {}).filter(
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
