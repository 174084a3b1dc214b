import type { AuditLogReport } from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import { connectClient, connectionOf, databaseError, type PostgresConnection, quoted, schemaOf } from './connection.js';
import { type VerifyPostgresAuditOptions, verifyPostgresAuditLog } from './verify-audit-log.js';

/**
 * Verifies every writer's chain in the table ({@link verifyPostgresAuditLog} for each log
 * id, in order) and returns their reports; the first broken chain refuses the whole table.
 * `checkpointKey` applies to every writer: pass the keys of all the writers that sign.
 * @example
 * ```ts
 * const reports = await verifyPostgresAudit(url, { checkpointKey: [filesKey, searchKey] });
 * ```
 */
export async function verifyPostgresAudit(connection: string | PostgresConnection | undefined, options: VerifyPostgresAuditOptions = {}): Promise<AuditLogReport[]> {
  const c = connectionOf(connection);
  if (!isRecord(options)) throw new TypeError('options must be an object');
  const schema = schemaOf(options.schema);
  const client = await connectClient(c, 'audit verify');
  let ids: string[];
  try {
    const result = await client.query<{ log_id: string }>(`SELECT log_id FROM ${quoted(schema)}.audit_logs ORDER BY log_id`);
    ids = result.rows.map((r) => r.log_id);
  } catch (error) {
    throw databaseError(error, c, 'audit verify');
  } finally {
    await client.end().catch(() => {});
  }
  const reports: AuditLogReport[] = [];
  for (const id of ids) reports.push(await verifyPostgresAuditLog(c, id, options));
  return reports;
}
