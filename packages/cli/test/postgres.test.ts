// `--store postgres://…`: db migrate, token revoke, audit verify against a real PostgreSQL
// server (AGENT_ID_TEST_DATABASE_URL, or a throw-away one started here).
import { randomBytes } from 'node:crypto';
import { KeyPair, auditRecord } from '@agent-id/core';
import { PostgresAuditSink, PostgresRevocationStore } from '@agent-id/postgres';
import { mintCapability } from '@agent-id/tokens';
import { type PgServer, startPgServer } from '@agent-id/test-support/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliJson, noStack } from './helpers.js';

let server: PgServer | undefined;
let url: string;
const schema = `cli_${randomBytes(5).toString('hex')}`;
const agent = `did:key:${KeyPair.generate().publicKey.toMultibase()}`;

beforeAll(async () => {
  let base = process.env.AGENT_ID_TEST_DATABASE_URL;
  if (!base) {
    server = await startPgServer();
    base = server.url;
  }
  url = base;
  // A schema of this file's own.
  expect((await cli(['db', 'migrate', '--store', url, '--schema', schema])).code).toBe(0);
});
afterAll(async () => {
  await server?.destroy();
});

describe('agent-id db migrate', () => {
  it('creates the tables once, then reports them up to date; a URL that is not postgres:// is usage', async () => {
    const schema = `m_${randomBytes(4).toString('hex')}`;
    const first = await cliJson<{ applied: number[]; version: number }>(['db', 'migrate', '--store', url, '--schema', schema]);
    expect(first.code).toBe(0);
    expect(first.json).toMatchObject({ ok: true, applied: [1], version: 1 });
    const again = await cli(['db', 'migrate', '--store', url, '--schema', schema]);
    expect(again.stdout).toContain('already up to date');
    const bad = await cliJson<{ error: { code: string; check: string } }>(['db', 'migrate', '--store', 'mysql://x']);
    expect(bad.code).toBe(2);
    expect(bad.json.error).toMatchObject({ code: 'invalid_option', check: '--store' });
    const unreachable = await cliJson<{ error: { code: string } }>(['db', 'migrate', '--store', 'postgres://agentid:hunter2@127.0.0.1:1/postgres']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.json.error.code).toBe('unreachable');
    expect(unreachable.stdout + unreachable.stderr).not.toContain('hunter2');
    expect(noStack(unreachable)).toBe(true);
  });
});

describe('agent-id token revoke --store postgres://', () => {
  it('records the revocation in the database, where every follower sees it; never prints the password', async () => {
    const withPassword = url.replace('//agentid@', '//agentid:hunter2@');
    const result = await cliJson<{ revoked: { kind: string; did: string; seq: number }; store: string }>(['token', 'revoke', '--agent', agent, '--reason', 'cli test', '--store', withPassword, '--schema', schema]);
    expect(result.code).toBe(0);
    expect(result.json.revoked).toMatchObject({ kind: 'agent', did: agent, reason: 'cli test' });
    expect(result.stdout + result.stderr).not.toContain('hunter2');
    const store = await PostgresRevocationStore.open(url, { schema });
    try {
      expect(store.findRevoked({ tokenIds: [], agents: [agent], principals: [] })).toMatchObject({ kind: 'agent', did: agent, seq: result.json.revoked.seq });
    } finally {
      await store.close();
    }
  });

  it('--issued-before revokes what a user was issued before a time, and needs a postgres store', async () => {
    const ok = await cliJson<{ revoked: { before: number } }>(['token', 'revoke', '--user', 'user:alice', '--issued-before', '2030-01-01T00:00:00Z', '--store', url, '--schema', schema]);
    expect(ok.code).toBe(0);
    expect(ok.json.revoked.before).toBe(Date.parse('2030-01-01T00:00:00Z'));
    const file = await cliJson<{ error: { check: string } }>(['token', 'revoke', '--user', 'user:alice', '--issued-before', '2030-01-01T00:00:00Z', '--store', 'revoked.jsonl']);
    expect(file.code).toBe(2);
    expect(file.json.error.check).toBe('--issued-before');
  });
});

describe('agent-id token authorize --revocations postgres://', () => {
  it('follows the database: a revoked agent is refused (exit 1, revoked), another allowed', async () => {
    const org = KeyPair.generate();
    const args = async (holder: string) => {
      const token = await mintCapability(
        { holder, onBehalfOf: 'user:zed', task: 'q3', resources: ['files:/*'], actions: ['read'], audience: ['did:web:files.example'], expiresAt: Math.floor(Date.now() / 1000) + 600, maxDepth: 1 },
        { format: 'biscuit', rootKey: org },
      );
      return ['token', 'authorize', token.serialize(), '--root', `did:key:${org.publicKey.toMultibase()}`, '--presenter', holder, '--resource', 'files:/a', '--action', 'read', '--audience', 'did:web:files.example', '--revocations', url, '--schema', schema];
    };
    const revoked = `did:key:${KeyPair.generate().publicKey.toMultibase()}`;
    const admin = await PostgresRevocationStore.open(url, { schema, follow: false });
    await admin.revoke({ kind: 'agent', did: revoked });
    await admin.close();
    const refused = await cliJson<{ error: { code: string; check: string } }>(await args(revoked));
    expect(refused.code).toBe(1);
    expect(refused.json.error).toMatchObject({ code: 'revoked', check: 'revocation_agent' });
    const other = `did:key:${KeyPair.generate().publicKey.toMultibase()}`;
    const allowed = await cli(await args(other));
    expect(allowed.code).toBe(0);
  });
});

describe('agent-id audit verify --store postgres://', () => {
  it('verifies every writer, or one, with checkpoints; a wrong key is refused (exit 1)', async () => {
    const key = KeyPair.generate();
    for (const logId of ['files-1', 'files-2']) {
      const sink = await PostgresAuditSink.open(url, { logId, schema, checkpointKey: key });
      for (let i = 0; i < 3; i++) {
        await sink.append(auditRecord({ agent, onBehalfOf: 'user:alice', task: 't', action: 'read', resource: `files:/${i}`, decision: 'allow', reason: 'ok', chain: [] }));
      }
      await sink.close();
    }
    const did = `did:key:${key.publicKey.toMultibase()}`;
    const all = await cliJson<{ logs: { logId: string; entries: number }[] }>(['audit', 'verify', '--store', url, '--schema', schema, '--checkpoint-key', did]);
    expect(all.code).toBe(0);
    expect(all.json.logs.map((l) => [l.logId, l.entries])).toEqual([
      ['files-1', 3],
      ['files-2', 3],
    ]);
    const one = await cliJson<{ logs: { logId: string }[] }>(['audit', 'verify', '--store', url, '--schema', schema, '--log-id', 'files-2']);
    expect(one.json.logs.map((l) => l.logId)).toEqual(['files-2']);
    const wrong = await cliJson<{ error: { code: string; check: string } }>(['audit', 'verify', '--store', url, '--schema', schema, '--checkpoint-key', agent]);
    expect(wrong.code).toBe(1);
    expect(wrong.json.error).toMatchObject({ code: 'invalid_signature', check: 'checkpoint_signature' });
    const both = await cliJson<{ error: { code: string } }>(['audit', 'verify', 'audit.jsonl', '--store', url]);
    expect(both.code).toBe(2);
  });
});
