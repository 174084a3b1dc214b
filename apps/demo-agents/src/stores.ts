import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AuditCheckpoint, AuditEntry, AuditSink, Clock, KeyPair } from '@agent-id/core';
import { AuditLog } from '@agent-id/core/node';
import type { RevocationStore } from '@agent-id/tokens';
import { FileRevocationStore } from '@agent-id/tokens/node';
import { PostgresAuditSink, PostgresRevocationStore, migrate, verifyPostgresAuditLog } from '@agent-id/postgres';
import { verifyAuditLog } from '@agent-id/core/node';

/** Where the organisations keep revocations and audit: files in the output directory (default), or PostgreSQL. */
export type StoreOption = string | undefined;

/** One organisation's stores, whichever the backend. */
export interface OrgStores {
  revocations: RevocationStore & { close(): Promise<void> };
  /** The tool server's log: checkpoints signed by the tool service's key. */
  audit: AuditSink & { checkpoint(): Promise<AuditCheckpoint>; close(): Promise<void> };
  /** The A2A side's log (guards and delegators). */
  a2aAudit: AuditSink & { close(): Promise<void> };
  /** Where the tool server's log is, as the trace shows it (never a password). */
  auditWhere: string;
  /** Verifies the tool server's log against the tool service's key, reading it back from where it is kept. */
  verifyAudit(): Promise<AuditEntry[]>;
}

/** Whether `store` names PostgreSQL (`postgres://…` or `postgresql://…`). */
export function isPostgresStore(store: StoreOption): store is string {
  return store !== undefined && /^postgres(ql)?:\/\//.test(store);
}

/** `postgres://host:port/db`: the URL without its user and password. */
export function describeStore(url: string): string {
  const u = new URL(url);
  return `postgres://${u.host}${u.pathname}`;
}

/**
 * Opens an organisation's stores. Files: `<org>-revocations.jsonl`, `<org>-audit.jsonl` and
 * `<org>-a2a-audit.jsonl` in `outDir`. PostgreSQL: one schema per organisation
 * (`demo_<org>`, migrated at start), every verifier of the organisation on one
 * `PostgresRevocationStore`, and the audit chains in `PostgresAuditSink`s named after this
 * run (time and a random suffix), so a database shared by several runs holds one chain per
 * run and writer: each run's tool service has a new checkpoint key.
 */
export async function openOrgStores(options: { store: StoreOption; org: string; outDir: string; toolsKey: KeyPair; clock: Clock }): Promise<OrgStores> {
  const { store, org, outDir, toolsKey } = options;
  if (!isPostgresStore(store)) {
    const auditPath = join(outDir, `${org}-audit.jsonl`);
    // The tool service decides and records; its key signs the log's checkpoints, so a cut or
    // rewritten log is caught by anyone holding the service's public key.
    const audit = await AuditLog.open(auditPath, { checkpointKey: toolsKey });
    const revocations = await FileRevocationStore.open(join(outDir, `${org}-revocations.jsonl`));
    const a2aAudit = await AuditLog.open(join(outDir, `${org}-a2a-audit.jsonl`));
    return { revocations, audit, a2aAudit, auditWhere: auditPath, verifyAudit: () => verifyAuditLog(auditPath, { checkpointKey: toolsKey.publicKey }) };
  }
  const schema = `demo_${org}`;
  await migrate(store, { schema });
  const run = `${new Date(options.clock()).toISOString().slice(0, 19).replace(/[-:]/g, '')}-${randomBytes(3).toString('hex')}`;
  const logId = `${org}-tools-${run}`;
  const opened: Array<{ close(): Promise<void> }> = [];
  const open = async <T extends { close(): Promise<void> }>(store: Promise<T>): Promise<T> => {
    opened.push(await store);
    return opened.at(-1) as T;
  };
  let revocations: PostgresRevocationStore;
  let audit: PostgresAuditSink;
  let a2aAudit: PostgresAuditSink;
  try {
    revocations = await open(PostgresRevocationStore.open(store, { schema }));
    audit = await open(PostgresAuditSink.open(store, { schema, logId, checkpointKey: toolsKey, clock: options.clock }));
    a2aAudit = await open(PostgresAuditSink.open(store, { schema, logId: `${org}-a2a-${run}`, clock: options.clock }));
  } catch (error) {
    // Open connections would keep the process alive after the failure is reported.
    await Promise.allSettled(opened.map((s) => s.close()));
    throw error;
  }
  return {
    revocations,
    audit,
    a2aAudit,
    auditWhere: `${describeStore(store)} schema ${schema} log ${logId}`,
    verifyAudit: async () => (await verifyPostgresAuditLog(store, logId, { schema, checkpointKey: toolsKey.publicKey })).entries,
  };
}
