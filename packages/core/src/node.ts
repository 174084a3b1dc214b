/**
 * The parts of @agent-id/core that need Node (files): the hash-chained audit log in a file
 * and its verification by path. Everything else is in `@agent-id/core`, which runs on any
 * runtime.
 *
 * @module node
 */
export { AuditLog, verifyAuditLog, verifyAuditLogReport, type AuditLogOptions } from './audit-log.js';
export type { VerifyAuditLogOptions } from './audit.js';
