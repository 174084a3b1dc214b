import type pg from 'pg';
import { quoted } from './connection.js';

/** One writer's log as the file log would hold it: the log file's text and its checkpoint file's text. */
export interface AuditLogText {
  logId: string;
  /** The log in the JSON Lines form of `AuditLog`: header line, then one line per entry. */
  log: string;
  /** The checkpoint file's JSON Lines (empty when the writer signs none). */
  checkpoints: string;
}

/**
 * Reads one writer's rows in order, in one snapshot (a live writer's newer checkpoint must not
 * be read beside older entries, which would look like a cut log); undefined when the table
 * holds no such writer.
 */
export async function readAuditLog(client: pg.ClientBase, schema: string, logId: string): Promise<AuditLogText | undefined> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const text = await readRows(client, schema, logId);
    await client.query('COMMIT');
    return text;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

async function readRows(client: pg.ClientBase, schema: string, logId: string): Promise<AuditLogText | undefined> {
  const s = quoted(schema);
  const header = await client.query<{ header: string }>({
    name: `agent-id-audit-header-${schema}`,
    text: `SELECT header FROM ${s}.audit_logs WHERE log_id = $1`,
    values: [logId],
  });
  const first = header.rows[0];
  if (first === undefined) return undefined;
  const entries = await client.query<{ line: string }>({
    name: `agent-id-audit-lines-${schema}`,
    text: `SELECT line FROM ${s}.audit_entries WHERE log_id = $1 ORDER BY seq`,
    values: [logId],
  });
  const checkpoints = await client.query<{ line: string }>({
    name: `agent-id-audit-checkpoints-${schema}`,
    text: `SELECT line FROM ${s}.audit_checkpoints WHERE log_id = $1 ORDER BY id`,
    values: [logId],
  });
  const lines = (rows: { line: string }[]) => rows.map((r) => `${r.line}\n`).join('');
  return { logId, log: `${first.header}\n${lines(entries.rows)}`, checkpoints: lines(checkpoints.rows) };
}
