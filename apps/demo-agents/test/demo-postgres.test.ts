import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PostgresRevocationStore, verifyPostgresAudit, verifyPostgresAuditLog } from '@agent-id/postgres';
import { type PgServer, startPgServer } from '@agent-id/test-support/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScenarioResult, runScenario } from '../src/scenario.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

let pg: PgServer;
let result: ScenarioResult;
/** The log id the trace names for an organisation's tool server (`… schema demo_acme log acme-tools-…`). */
const logOf = (org: string): { schema: string; logId: string } => {
  const where = result.audit.find((a) => a.org === org)!.path;
  const [, schema, logId] = /schema (\S+) log (\S+)$/.exec(where) ?? [];
  return { schema: schema!, logId: logId! };
};

beforeAll(async () => {
  pg = await startPgServer();
  result = await runScenario({ outDir: await mkdtemp(join(tmpdir(), 'demo-pg-test-')), store: pg.url });
}, 240_000);
afterAll(() => pg?.destroy());

describe('the scenario with --store postgres://…', () => {
  it('meets every expectation, the same as with files', () => {
    const failed = result.steps.filter((s) => !s.ok).map((s) => `${s.id}: expected ${s.expected}/${s.expectedCode} got ${s.actual}/${s.actualCode} (${s.reason})`);
    expect(failed).toEqual([]);
    expect(result.steps).toHaveLength(38);
    const outcomes = Object.fromEntries(['revoked-call', 'expired-call', 'mcp-refused', 'mcp-replayed', 'decommissioned-call', 'decommissioned-card', 'sibling-call'].map((id) => [id, result.steps.find((s) => s.id === id)!.actualCode ?? 'allow']));
    expect(outcomes).toEqual({ 'revoked-call': 'revoked', 'expired-call': 'expired', 'mcp-refused': 'denied', 'mcp-replayed': 'replayed', 'decommissioned-call': 'revoked', 'decommissioned-card': 'revoked', 'sibling-call': 'allow' });
    expect(result.ok).toBe(true);
  });

  it("verifies both organisations' audit chains read back from PostgreSQL, one schema each", async () => {
    expect(result.audit.map((a) => [a.org, a.chainVerified, a.entries.length])).toEqual([
      ['acme', true, 20],
      ['globex', true, 5],
    ]);
    for (const org of ['acme', 'globex']) {
      const { schema, logId } = logOf(org);
      expect(schema).toBe(`demo_${org}`);
      const report = await verifyPostgresAuditLog(pg.url, logId, { schema });
      expect(report.entries.map((e) => e.hash)).toEqual(result.audit.find((a) => a.org === org)!.entries.map((e) => e.hash));
      // Every chain in the schema verifies: the tool server's and the A2A side's.
      const all = await verifyPostgresAudit(pg.url, { schema });
      expect(all.map((r) => r.logId).sort()).toEqual([logId, logId.replace('-tools-', '-a2a-')].sort());
    }
    // Nothing went to files.
    for (const file of ['acme-audit.jsonl', 'acme-revocations.jsonl', 'globex-audit.jsonl']) expect(existsSync(join(result.outDir, file))).toBe(false);
  });

  it("keeps Acme's revocation of the researcher's hop in PostgreSQL, where a new verifier of Acme's reads it", async () => {
    const follower = await PostgresRevocationStore.open(pg.url, { schema: 'demo_acme' });
    try {
      expect([follower.size, follower.sequence, follower.current]).toEqual([1, 1, true]);
    } finally {
      await follower.close();
    }
  });

  it('node dist/main.js --store runs against the same database again and exits 0; a --store that is not postgres:// or cannot be reached fails at once', async () => {
    const main = join(root, 'dist', 'main.js');
    const { stdout } = await run(process.execPath, [main, '--quiet', '--store', pg.url], { timeout: 120_000 });
    expect(stdout).toContain('OK: all 38 steps as expected, 2 audit chains verified');
    // Generous timeouts: loading the demo takes seconds on a busy machine; how fast it fails is not what this checks.
    const bad = await run(process.execPath, [main, '--store', 'mysql://localhost/x'], { timeout: 120_000 }).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 1, stderr: expect.stringContaining('--store needs a postgres:// URL') });
    // A database that cannot be reached: a coded failure at once, the password never printed, no server left running.
    const down = await run(process.execPath, [main, '--quiet', '--store', 'postgres://nobody:s3cret@127.0.0.1:1/x'], { timeout: 120_000 }).catch((e: { code: number; stderr: string }) => e);
    expect(down).toMatchObject({ code: 1, stderr: expect.stringContaining('UnreachableError: migrate: PostgreSQL at 127.0.0.1:1/x') });
    expect((down as { stderr: string }).stderr).not.toContain('s3cret');
  }, 400_000);
});
