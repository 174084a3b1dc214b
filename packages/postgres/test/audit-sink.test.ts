import { writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuditRecord, KeyPair, auditRecord } from '@agent-id/core';
import { verifyAuditLogReport } from '@agent-id/core/node';
import { expectCode } from '@agent-id/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresAuditSink, exportPostgresAuditLog, verifyPostgresAudit, verifyPostgresAuditLog } from '../src/index.js';
import { databaseUrl, freshSchema, sql } from './helpers.js';

let url: string;
let schema: string;
const key = KeyPair.generate();
const sinks: PostgresAuditSink[] = [];
async function sink(logId: string, options: Partial<Parameters<typeof PostgresAuditSink.open>[1]> = {}, connection: string = url): Promise<PostgresAuditSink> {
  const s = await PostgresAuditSink.open(connection, { logId, schema, checkpointKey: key, checkpointEvery: 10, ...options });
  sinks.push(s);
  return s;
}
const record = (i: number, resource = `files:/reports/${i}.pdf`): AuditRecord =>
  auditRecord({ agent: 'did:web:agents.example:writer', onBehalfOf: 'user:alice', task: 'q3', action: 'read', resource, decision: 'allow', reason: 'ok', chain: [] });

beforeAll(async () => {
  url = databaseUrl();
  schema = await freshSchema(url);
});
afterAll(async () => {
  await Promise.all(sinks.map((s) => s.close().catch(() => {})));
});

describe('PostgresAuditSink', () => {
  it('exports a log that core verifies as a file, checkpoints included', async () => {
    const s = await sink('export-1');
    for (let i = 0; i < 25; i++) await s.append(record(i));
    await s.append(record(99, 'files:/odd\ud800name')); // a lone surrogate is stored as U+FFFD, as in the file log
    await s.close();
    const { log, checkpoints } = await exportPostgresAuditLog(url, 'export-1', { schema });
    const dir = await mkdtemp(join(tmpdir(), 'agent-id-audit-'));
    await writeFile(join(dir, 'a.jsonl'), log);
    await writeFile(join(dir, 'a.jsonl.checkpoints'), checkpoints);
    const report = await verifyAuditLogReport(join(dir, 'a.jsonl'), { checkpointKey: key.publicKey, logId: 'export-1' });
    expect(report.entries).toHaveLength(26);
    expect(report.checkpoint?.seq).toBe(25);
    expect(report.entries[25]!.record.resource).toBe('files:/odd\ufffdname');
    expect(await verifyPostgresAuditLog(url, 'export-1', { schema, checkpointKey: key.publicKey })).toEqual(report);
  });

  it('concurrent writers each keep a chain that verifies; concurrent appends share commits', async () => {
    const writers = await Promise.all(['w-1', 'w-2', 'w-3', 'w-4'].map((id) => sink(id)));
    const entries = await Promise.all(writers.flatMap((w, n) => Array.from({ length: 60 }, (_, i) => w.append(record(n * 1000 + i)))));
    for (const [n, w] of writers.entries()) {
      const mine = entries.slice(n * 60, (n + 1) * 60);
      expect(mine.map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i));
      expect(w.head).toEqual({ seq: 59, hash: mine[59]!.hash });
    }
    await Promise.all(writers.map((w) => w.close()));
    const reports = await verifyPostgresAudit(url, { schema, checkpointKey: key.publicKey });
    const byId = new Map(reports.map((r) => [r.logId, r]));
    for (const id of ['w-1', 'w-2', 'w-3', 'w-4']) expect(byId.get(id)?.entries).toHaveLength(60);
    // Fewer commits than appends: one transaction carried several.
    const commits = await sql<{ n: string }>(url, `SELECT count(DISTINCT xmin::text) AS n FROM "${schema}".audit_entries WHERE log_id = 'w-1'`);
    expect(Number(commits.rows[0]!.n)).toBeLessThan(60);
  });

  it('continues the chain after a reopen, and refuses a second writer of the same log', async () => {
    const first = await sink('reopen');
    await first.append(record(1));
    await expectCode(PostgresAuditSink.open(url, { logId: 'reopen', schema, checkpointKey: key }), 'audit_chain_broken', 'writer_busy');
    await first.close();
    const again = await sink('reopen');
    const entry = await again.append(record(2));
    expect(entry.seq).toBe(1);
    await again.close();
    expect((await verifyPostgresAuditLog(url, 'reopen', { schema, checkpointKey: key.publicKey })).entries).toHaveLength(2);
  });

  it('refuses UPDATE, DELETE and TRUNCATE by trigger, and the service role has no right to them', async () => {
    const s = await sink('append-only');
    await s.append(record(1));
    for (const statement of [
      `UPDATE "${schema}".audit_entries SET line = line WHERE log_id = 'append-only'`,
      `DELETE FROM "${schema}".audit_entries WHERE log_id = 'append-only'`,
      `TRUNCATE "${schema}".audit_entries CASCADE`,
      `UPDATE "${schema}".audit_checkpoints SET line = line`,
      `DELETE FROM "${schema}".audit_logs WHERE log_id = 'append-only'`,
    ]) {
      await expect(sql(url, statement)).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('append-only') });
    }
    const role = `svc_${schema}`;
    await sql(url, `CREATE ROLE ${role} LOGIN`);
    const svcSchema = await freshSchema(url, { serviceRole: role });
    const svcUrl = url.replace('//agentid@', `//${role}@`);
    const svc = await PostgresAuditSink.open(svcUrl, { logId: 'svc', schema: svcSchema });
    await svc.append(record(1));
    await svc.close();
    const client = new pg.Client({ connectionString: svcUrl });
    await client.connect();
    try {
      for (const statement of [`UPDATE "${svcSchema}".audit_entries SET line = line`, `DELETE FROM "${svcSchema}".audit_entries`, `TRUNCATE "${svcSchema}".audit_entries`]) {
        await expect(client.query(statement)).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('permission denied') });
      }
    } finally {
      await client.end();
    }
    expect((await verifyPostgresAuditLog(svcUrl, 'svc', { schema: svcSchema })).entries).toHaveLength(1);
  });

  it('finds an edit or a removed row made by someone who switched the trigger off, and will not append after it', async () => {
    const s = await sink('tampered');
    for (let i = 0; i < 5; i++) await s.append(record(i));
    await s.close();
    const t = `"${schema}".audit_entries`;
    await sql(url, `ALTER TABLE ${t} DISABLE TRIGGER append_only`);
    try {
      await sql(url, `UPDATE ${t} SET line = replace(line, '"read"', '"write"') WHERE log_id = 'tampered' AND seq = 2`);
      const e = await expectCode(verifyPostgresAuditLog(url, 'tampered', { schema }), 'audit_chain_broken', 'record_hash');
      expect((e as unknown as { line: number }).line).toBe(4);
      await expectCode(PostgresAuditSink.open(url, { logId: 'tampered', schema, checkpointKey: key }), 'audit_chain_broken', 'record_hash');
      await expectCode(verifyPostgresAudit(url, { schema }), 'audit_chain_broken', 'record_hash');
      await sql(url, `DELETE FROM ${t} WHERE log_id = 'tampered' AND seq >= 2`);
      // The tail cut down to before the newest checkpoint: the signature says where the log ended.
      await expectCode(verifyPostgresAuditLog(url, 'tampered', { schema, checkpointKey: key.publicKey }), 'audit_chain_broken', 'truncated');
    } finally {
      await sql(url, `ALTER TABLE ${t} ENABLE TRIGGER append_only`);
    }
  });

  it('verifies a log while its writer appends and checkpoints: one snapshot, no false cut', async () => {
    const s = await sink('live', { checkpointEvery: 1 });
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) await s.append(record(i));
    })();
    try {
      for (let n = 0; n < 8; n++) {
        const report = await verifyPostgresAuditLog(url, 'live', { schema, checkpointKey: key.publicKey });
        expect(report.checkpoint!.seq).toBeLessThanOrEqual(report.head.seq);
      }
    } finally {
      writing = false;
      await writer;
    }
  });

  it('exporting or verifying a log the table does not hold is malformed_input (log_id)', async () => {
    await expectCode(exportPostgresAuditLog(url, 'nobody', { schema }), 'malformed_input', 'log_id');
    await expectCode(verifyPostgresAuditLog(url, 'nobody', { schema }), 'malformed_input', 'log_id');
  });
});
