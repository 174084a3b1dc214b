/**
 * Revocations and audit for a fleet of agent-id verifiers on PostgreSQL: a revocation store
 * fed by LISTEN/NOTIFY that fails closed when its feed goes stale, and an append-only,
 * hash-chained audit sink with signed checkpoints. Node only (the `pg` driver).
 *
 * @module
 */
export type { PostgresConnection } from './connection.js';
export { migrate, type MigrateOptions, type MigrateResult } from './migrate.js';
export {
  PostgresRevocationStore,
  type PostgresRevocationEntry,
  type PostgresRevocationStoreOptions,
  type PostgresRevokeOptions,
} from './revocation-store.js';
export { PostgresAuditSink, type PostgresAuditSinkOptions } from './audit-sink.js';
export { exportPostgresAuditLog, type AuditLogText } from './export-audit-log.js';
export { verifyPostgresAuditLog, type VerifyPostgresAuditOptions } from './verify-audit-log.js';
export { verifyPostgresAudit } from './verify-audit.js';
