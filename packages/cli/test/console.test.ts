import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { KeyPair, auditRecord, verifyAuditLines } from '@agent-id/core';
import { PostgresAuditSink } from '@agent-id/postgres';
import { startPgServer } from '@agent-id/test-support/postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cli, serving, tempDir } from './helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
const LOG = '{"created":"2026-11-30T10:00:00.000Z","format":"agent-id-audit-log/1","logId":"files-1"}\n';

beforeAll(async () => {
  tmp = await tempDir();
  await writeFile(tmp.path('audit.jsonl'), LOG);
});

afterAll(async () => {
  await tmp.cleanup();
});

it('console serves the page on loopback with its CSP, and --audit FILE at /audit, until SIGTERM (exit 0)', async () => {
  const code = await serving<{ url: string; audit: boolean }>(['console', '--audit', tmp.path('audit.jsonl')], async ({ url, audit }) => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(audit).toBe(true);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('./app.js');
    expect(await (await fetch(new URL('/audit', url))).text()).toBe(LOG);
    expect((await fetch(new URL('/events', url))).status).toBe(404);
  });
  expect(code).toBe(0);
});

it('console --audit postgres://… --log-id serves that writer\'s log from a real PostgreSQL audit table, as the file log holds it', async () => {
  const pg = process.env.AGENT_ID_TEST_DATABASE_URL ? undefined : await startPgServer();
  const url = process.env.AGENT_ID_TEST_DATABASE_URL ?? pg!.url;
  const schema = `console_${randomBytes(5).toString('hex')}`;
  try {
    expect((await cli(['db', 'migrate', '--store', url, '--schema', schema])).code).toBe(0);
    const sink = await PostgresAuditSink.open(url, { logId: 'files-1', schema });
    const agent = `did:key:${KeyPair.generate().publicKey.toMultibase()}`;
    await sink.append(auditRecord({ agent, onBehalfOf: 'did:web:acme.example', task: 'q3', action: 'read', resource: 'files:/a', decision: 'allow', reason: 'ok', chain: [] }));
    await sink.close();
    const code = await serving<{ url: string; audit: boolean }>(['console', '--audit', url, '--log-id', 'files-1', '--schema', schema], async ({ url: page }) => {
      const text = await (await fetch(new URL('/audit', page))).text();
      expect(verifyAuditLines(text).map((e) => e.record.agent)).toEqual([agent]);
    });
    expect(code).toBe(0);
  } finally {
    await pg?.destroy();
  }
});

it('console refuses a missing audit file, a bad port and --log-id without a database with usage errors (exit 2)', async () => {
  const missing = await cli(['console', '--audit', tmp.path('nope.jsonl'), '--json']);
  expect(missing.code).toBe(2);
  expect(JSON.parse(missing.stdout).error).toMatchObject({ code: 'unreadable_input', check: '--audit' });
  const port = await cli(['console', '--port', '70000', '--json']);
  expect(port.code).toBe(2);
  expect(JSON.parse(port.stdout).error).toMatchObject({ code: 'invalid_option', check: '--port' });
  const logId = await cli(['console', '--log-id', 'files-1', '--json']);
  expect(logId.code).toBe(2);
  expect(JSON.parse(logId.stdout).error).toMatchObject({ code: 'usage', check: '--log-id' });
  const pg = await cli(['console', '--audit', 'postgres://127.0.0.1:1/agentid', '--json']);
  expect(pg.code).toBe(2);
  expect(JSON.parse(pg.stdout).error).toMatchObject({ code: 'missing_option', check: '--log-id' });
});
