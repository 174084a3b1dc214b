/**
 * The `--audit` log of `token authorize`: every decision, allow or deny, appended to a
 * hash-chained audit log (core's AuditLog) as it is made.
 *
 * @module commands/token/decision-log
 */
import { AuditLog, type AuditRecord } from '@agent-id/core';

/** Appends one decision to the log at `path`; without a path (no `--audit`), nothing. */
export async function recordDecision(path: string | undefined, record: AuditRecord): Promise<void> {
  if (path === undefined) return;
  const log = await AuditLog.open(path);
  try {
    await log.append(record);
  } finally {
    await log.close();
  }
}
