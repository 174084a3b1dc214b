import { MalformedInputError } from '@agent-id/core';
import { LOG_ID, isRecord } from '@agent-id/core/internal';
import { connectClient, connectionOf, databaseError, type PostgresConnection, schemaOf } from './connection.js';
import { type AuditLogText, readAuditLog } from './read-audit.js';

export type { AuditLogText } from './read-audit.js';

/**
 * One writer's log as the file log holds it: the JSON Lines text of `AuditLog`'s file and of
 * its checkpoint file, byte for byte what `verifyAuditLog` and `agent-id audit verify` read.
 * Not verified here: verify it with {@link verifyPostgresAuditLog} or after writing it out.
 * A log id the table does not hold is `malformed_input` (check `log_id`).
 * @example
 * ```ts
 * const { log, checkpoints } = await exportPostgresAuditLog(url, 'files-1');
 * await writeFile('files-1.jsonl', log);
 * await writeFile('files-1.jsonl.checkpoints', checkpoints);
 * ```
 */
export async function exportPostgresAuditLog(connection: string | PostgresConnection | undefined, logId: string, options: { schema?: string } = {}): Promise<AuditLogText> {
  const c = connectionOf(connection);
  if (typeof logId !== 'string' || !LOG_ID.test(logId)) throw new TypeError('logId must be 1 to 128 characters of A-Z a-z 0-9 . _ : -');
  if (!isRecord(options)) throw new TypeError('options must be an object');
  const schema = schemaOf(options.schema);
  const client = await connectClient(c, 'audit export');
  try {
    const text = await readAuditLog(client, schema, logId);
    if (text === undefined) throw new MalformedInputError(`the audit table holds no log ${logId}`, { check: 'log_id' });
    return text;
  } catch (error) {
    throw databaseError(error, c, 'audit export');
  } finally {
    await client.end().catch(() => {});
  }
}
