/**
 * The `--audit` log of `token authorize`: every decision, allow or deny, appended to a
 * hash-chained audit log (core's AuditLog) as it is made. Whether the log is intact is
 * core's to judge; a log file that cannot be written is bad usage.
 *
 * @module commands/token/decision-log
 */
import type { AuditRecord } from '@agent-id/core';
import { AuditLog } from '@agent-id/core/node';
import { isFileError, unwritable } from '../../io/files.js';

/** Appends one decision to the log at `path`; without a path (no `--audit`), nothing. */
export async function recordDecision(path: string | undefined, record: AuditRecord): Promise<void> {
  if (path === undefined) return;
  try {
    const log = await AuditLog.open(path);
    try {
      await log.append(record);
    } finally {
      await log.close();
    }
  } catch (e) {
    throw isFileError(e) ? unwritable(e, 'audit log', path, '--audit') : e;
  }
}
