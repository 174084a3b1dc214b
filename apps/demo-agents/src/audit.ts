import type { AuditEntry } from '@agent-id/core';
import type { Org } from './org.js';
import type { Trace } from './trace.js';

export interface AuditLogSummary {
  org: string;
  path: string;
  /** Whether the hash chain verified against the tool service's newest signed checkpoint (verifyAuditLog). */
  chainVerified: boolean;
  error?: string;
  entries: AuditEntry[];
}

/**
 * Each organisation's tool service signs a checkpoint of its log, and the log is verified
 * against it with the service's public key (a cut tail or a rewritten chain would fail).
 * Every append was awaited (and
 * flushed) before its decision returned, so the files are complete; the logs stay open for
 * --serve and are closed when the organisation stops.
 */
export async function verifyAuditLogs(orgs: readonly Org[], trace: Trace): Promise<AuditLogSummary[]> {
  trace.emit('section', 'Audit: each domain verifies its hash-chained log');
  const audit: AuditLogSummary[] = [];
  for (const org of orgs) {
    try {
      const checkpoint = await org.audit.checkpoint();
      const entries = await org.stores.verifyAudit();
      audit.push({ org: org.name, path: org.auditPath, chainVerified: true, entries });
      const allowed = entries.filter((e) => e.record.decision === 'allow').length;
      trace.emit(
        'audit',
        `${org.auditPath}: ${entries.length} records (${allowed} allow, ${entries.length - allowed} deny), hash chain verified up to the checkpoint ${org.name}/tools signed at record ${checkpoint.seq + 1}`,
        { actor: org.name },
      );
    } catch (error) {
      audit.push({ org: org.name, path: org.auditPath, chainVerified: false, error: String(error), entries: [] });
      trace.emit('deny', `${org.auditPath}: hash chain FAILED: ${String(error)}`, { actor: org.name });
    }
  }
  return audit;
}
