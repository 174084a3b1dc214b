import { type AuditLogReport, PublicKey, type VerifyAuditLinesOptions, verifyAuditLinesReport } from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import type { PostgresConnection } from './connection.js';
import { exportPostgresAuditLog } from './export-audit-log.js';

/** Options of {@link verifyPostgresAuditLog} and {@link verifyPostgresAudit}: those of core's `verifyAuditLog`, and the schema. */
export interface VerifyPostgresAuditOptions extends Omit<VerifyAuditLinesOptions, 'checkpoints' | 'logId'> {
  schema?: string;
}

/**
 * Verifies one writer's chain in the table exactly as `verifyAuditLog` verifies a file (the
 * same code, over the same lines): every entry's hash and link, and with `checkpointKey` its
 * signed checkpoints. Refusals are `audit_chain_broken` (or `invalid_signature` for a
 * forged checkpoint) with the check and line `verifyAuditLog` gives; a log the table does
 * not hold is `malformed_input` (check `log_id`).
 * @example
 * ```ts
 * const report = await verifyPostgresAuditLog(url, 'files-1', { checkpointKey: servicePublicKey });
 * console.log(report.head.seq + 1, 'entries');
 * ```
 */
export async function verifyPostgresAuditLog(connection: string | PostgresConnection | undefined, logId: string, options: VerifyPostgresAuditOptions = {}): Promise<AuditLogReport> {
  if (!isRecord(options)) throw new TypeError('options must be an object');
  const { schema, ...rest } = options as VerifyPostgresAuditOptions;
  const keys = rest.checkpointKey;
  // Before reading a whole log over the network: a caller's bug fails at once.
  if (keys !== undefined && !(keys instanceof PublicKey) && !(Array.isArray(keys) && keys.length > 0 && keys.every((k) => k instanceof PublicKey))) {
    throw new TypeError('checkpointKey must be a PublicKey or a non-empty array of them');
  }
  const text = await exportPostgresAuditLog(connection, logId, schema !== undefined ? { schema } : {});
  return verifyAuditLinesReport(text.log, { ...rest, logId, ...(rest.checkpointKey !== undefined ? { checkpoints: text.checkpoints || null } : {}) });
}
