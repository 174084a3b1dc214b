import { KeyPair } from '@agent-id/core';
import { expectCode } from '@agent-id/test-support';
import fc from 'fast-check';
import { MemoryRevocationStore, authorize } from '@agent-id/tokens';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresRevocationStore, migrate } from '../src/index.js';
import { REQUEST, databaseUrl, freshSchema, sql, tokenFixture, until } from './helpers.js';

let url: string;
let schema: string;
const open: PostgresRevocationStore[] = [];
// A bound a loaded machine cannot outlast between two checks: going stale is faults.test.ts's subject.
async function store(options: Parameters<typeof PostgresRevocationStore.open>[1] = {}): Promise<PostgresRevocationStore> {
  const s = await PostgresRevocationStore.open(url, { schema, maxStalenessMs: 60_000, ...options });
  open.push(s);
  return s;
}

beforeAll(async () => {
  url = databaseUrl();
  schema = await freshSchema(url);
});
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});

describe('migrate', () => {
  it('applies each version once and records it', async () => {
    const again = await migrate(url, { schema });
    expect(again).toEqual({ schema, applied: [], version: 1 });
    const versions = await sql<{ version: number }>(url, `SELECT version FROM "${schema}".schema_version`);
    expect(versions.rows.map((r) => r.version)).toEqual([1]);
  });

  it('serializes concurrent migrations of a new schema', async () => {
    const s = `t_concurrent_${Date.now() % 100000}`;
    const results = await Promise.all([migrate(url, { schema: s }), migrate(url, { schema: s }), migrate(url, { schema: s })]);
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, 0, 1]);
  });
});

describe('PostgresRevocationStore', () => {
  it('refuses a revoked hop, agent or principal in authorize, in the revoking process and in another follower', async () => {
    const writer = await store();
    const follower = await store();
    const f = await tokenFixture();
    const options = { trustedRoots: f.org.publicKey, presenter: f.writer.did, request: REQUEST };
    const ok = await authorize(f.wire, { ...options, revocations: follower });
    const entry = await writer.revoke({ kind: 'token', id: ok.revocationIds[1]! }, { reason: 'task cancelled' });
    expect(entry).toMatchObject({ kind: 'token', id: ok.revocationIds[1], reason: 'task cancelled', seq: writer.sequence });
    await expectCode(authorize(f.wire, { ...options, revocations: writer }), 'revoked', 'revocation_token');
    await until(() => follower.sequence >= entry.seq);
    await expectCode(authorize(f.wire, { ...options, revocations: follower }), 'revoked', 'revocation_token');

    const g = await tokenFixture({ principal: 'user:bob' });
    const gOptions = { trustedRoots: g.org.publicKey, presenter: g.writer.did, request: REQUEST, revocations: follower };
    await authorize(g.wire, gOptions);
    const byAgent = await writer.revoke({ kind: 'agent', did: g.planner.did });
    await until(() => follower.sequence >= byAgent.seq);
    await expectCode(authorize(g.wire, gOptions), 'revoked', 'revocation_agent');

    const h = await tokenFixture({ principal: 'user:carol' });
    const byUser = await writer.revoke({ kind: 'principal', id: 'user:carol' });
    await until(() => follower.sequence >= byUser.seq);
    await expectCode(authorize(h.wire, { trustedRoots: h.org.publicKey, presenter: h.writer.did, request: REQUEST, revocations: follower }), 'revoked', 'revocation_principal');
  });

  it('loads every revocation on open, in feed order', async () => {
    const writer = await store();
    const f = await tokenFixture();
    await writer.revoke({ kind: 'agent', did: f.writer.did });
    const late = await store();
    expect(late.sequence).toBe(writer.sequence);
    expect(late.findRevoked({ tokenIds: [], agents: [f.writer.did], principals: [] })).toMatchObject({ kind: 'agent', did: f.writer.did });
  });

  it('numbers concurrent revocations without a gap, and every follower ends with all of them', async () => {
    const writers = await Promise.all([store(), store(), store()]);
    const follower = await store();
    const before = follower.sequence;
    const fixtures = await Promise.all(Array.from({ length: 12 }, () => tokenFixture()));
    const entries = await Promise.all(fixtures.map((f, i) => writers[i % 3]!.revoke({ kind: 'agent', did: f.writer.did })));
    const seqs = entries.map((e) => e.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => before + 1 + i));
    await until(() => follower.sequence >= seqs.at(-1)!);
    for (const f of fixtures) expect(follower.findRevoked({ tokenIds: [], agents: [f.writer.did], principals: [] })).toBeDefined();
  });

  it('revokes everything an agent or principal was issued before a time, and nothing issued after', async () => {
    const writer = await store();
    const old = await tokenFixture({ principal: 'user:dave' });
    const cut = (Math.floor(Date.now() / 1000) + 2) * 1000;
    await writer.revokeIssuedBefore({ kind: 'agent', did: old.writer.did }, cut, { reason: 'key rotated' });
    const options = (f: typeof old) => ({ trustedRoots: f.org.publicKey, presenter: f.writer.did, request: REQUEST, revocations: writer });
    await expectCode(authorize(old.wire, options(old)), 'revoked', 'revocation_agent');
    // A hop issued after the cut (the clock tolerance lets the test mint "in the future").
    const hops = [{ from: 'did:web:acme.example', to: old.writer.did, issuedAt: cut / 1000 }];
    expect(writer.findRevoked({ tokenIds: [], agents: [old.writer.did], principals: [], hops })).toBeUndefined();
    expect(writer.findRevoked({ tokenIds: [], agents: [old.writer.did], principals: [] })).toMatchObject({ kind: 'agent', before: cut });

    const p = await tokenFixture({ principal: 'user:erin' });
    await writer.revokeIssuedBefore({ kind: 'principal', id: 'user:erin' }, cut);
    await expectCode(authorize(p.wire, options(p)), 'revoked', 'revocation_principal');
    expect(writer.findRevoked({ tokenIds: [], agents: [], principals: ['user:erin'], hops: [{ from: 'x', to: 'y', issuedAt: cut / 1000 }] })).toBeUndefined();
  });

  it('prunes entries whose tokens have all expired, and only those', async () => {
    const writer = await store();
    const f = await tokenFixture();
    const now = Date.now();
    const gone = await writer.revoke({ kind: 'agent', did: f.writer.did }, { expiresAt: now - 1000 });
    const kept = await writer.revoke({ kind: 'agent', did: f.planner.did }, { expiresAt: now + 3_600_000 });
    const forever = await writer.revoke({ kind: 'principal', id: 'user:frank' });
    expect(await writer.prune({ now })).toBeGreaterThanOrEqual(1);
    const rows = await sql<{ seq: string }>(url, `SELECT seq FROM "${schema}".revocations WHERE seq = ANY($1)`, [[gone.seq, kept.seq, forever.seq]]);
    expect(rows.rows.map((r) => Number(r.seq)).sort()).toEqual([kept.seq, forever.seq].sort());
    // A store opened after the prune still numbers on from the feed's head.
    const late = await store();
    expect(late.sequence).toBe(writer.sequence);
  });

  it('refuses with revocation_stale when it does not follow the feed, or is closed', async () => {
    const writeOnly = await store({ follow: false });
    const f = await tokenFixture();
    const options = { trustedRoots: f.org.publicKey, presenter: f.writer.did, request: REQUEST };
    await expectCode(authorize(f.wire, { ...options, revocations: writeOnly }), 'revocation_stale', 'revocation_feed');
    const entry = await writeOnly.revoke({ kind: 'principal', id: 'user:grace' });
    expect(entry.seq).toBeGreaterThan(0);
    const closing = await store();
    await authorize(f.wire, { ...options, revocations: closing });
    await closing.close();
    await expectCode(authorize(f.wire, { ...options, revocations: closing }), 'revocation_stale', 'revocation_feed');
    expect(closing.current).toBe(false);
  });

  it('answers as the memory store does for the same revocations', async () => {
    const pgStore = await store();
    const memory = new MemoryRevocationStore();
    const f = await tokenFixture();
    for (const target of [{ kind: 'agent', did: f.planner.did }, { kind: 'principal', id: 'user:heidi' }] as const) {
      await pgStore.revoke(target);
      await memory.revoke(target);
    }
    for (const query of [
      { tokenIds: [], agents: [f.planner.did], principals: [] },
      { tokenIds: [], agents: [f.writer.did], principals: ['user:heidi'] },
      { tokenIds: ['00'], agents: [f.writer.did], principals: ['user:ivan'] },
    ]) {
      expect(Boolean(pgStore.findRevoked(query))).toBe(Boolean(memory.findRevoked(query)));
    }
  });

  it('property: a follower answers every query as a memory store given the same revocations', async () => {
    const writer = await store({ follow: false });
    const follower = await store();
    const dids = Array.from({ length: 4 }, () => `did:key:${KeyPair.generate().publicKey.toMultibase()}`);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.boolean(), fc.nat(3)), { maxLength: 5 }), async (ops) => {
        run += 1;
        const users = Array.from({ length: 4 }, (_, i) => `user:p${run}-${i}`);
        const memory = new MemoryRevocationStore();
        let last = 0;
        for (const [agent, i] of ops) {
          const target = agent ? ({ kind: 'agent', did: `${dids[i]!}` } as const) : ({ kind: 'principal', id: users[i]! } as const);
          last = (await writer.revoke(target)).seq;
          await memory.revoke(target);
        }
        await until(() => follower.sequence >= last);
        for (const principal of users) {
          const query = { tokenIds: [], agents: [], principals: [principal] };
          expect(Boolean(follower.findRevoked(query))).toBe(Boolean(memory.findRevoked(query)));
        }
        // Agents revoked in earlier runs stay revoked in the follower: compare within what this run revoked.
        for (const [agent, i] of ops) if (agent) expect(follower.findRevoked({ tokenIds: [], agents: [dids[i]!], principals: [] })).toBeDefined();
      }),
      { numRuns: 12 },
    );
  });

  it('refuses a connection it cannot reach with unreachable, naming no password', async () => {
    const e = await expectCode(PostgresRevocationStore.open('postgres://agentid:s3cret-pw@127.0.0.1:1/postgres', { schema }), 'unreachable', 'postgres');
    expect(e.message).not.toContain('s3cret-pw');
    await expectCode(PostgresRevocationStore.open(url, { schema: 'no_such_schema' }), 'unreachable', 'postgres_schema');
  });

  it('reads the standard PG* variables when given no URL', async () => {
    const u = new URL(url);
    const saved = { ...process.env };
    Object.assign(process.env, { PGHOST: u.hostname, PGPORT: u.port, PGUSER: u.username, PGDATABASE: u.pathname.slice(1) });
    try {
      const s = await PostgresRevocationStore.open(undefined, { schema });
      open.push(s);
      expect(s.current).toBe(true);
    } finally {
      for (const k of ['PGHOST', 'PGPORT', 'PGUSER', 'PGDATABASE']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });
});
