// Faults that must lose nothing, on a server of this file's own (it is paused, killed and
// restarted): every store either knows every revocation committed before its last proof of
// freshness, or refuses with revocation_stale.
import { expectCode } from '@agent-id/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresRevocationStore, migrate } from '../src/index.js';
import { type PgServer, startPgServer } from '@agent-id/test-support/postgres';
import { sql, tokenFixture, until } from './helpers.js';

let server: PgServer;
let url: string;
const opened: PostgresRevocationStore[] = [];
const BOUND = { maxStalenessMs: 400, heartbeatMs: 50 };

async function follower(name: string): Promise<PostgresRevocationStore> {
  const s = await PostgresRevocationStore.open({ url, applicationName: name }, BOUND);
  opened.push(s);
  return s;
}
const agentQuery = (did: string) => ({ tokenIds: [], agents: [did], principals: [] });
const knows = (s: PostgresRevocationStore, did: string) => s.findRevoked(agentQuery(did)) !== undefined;

beforeAll(async () => {
  server = await startPgServer();
  await sql(server.url, 'CREATE DATABASE faults');
  url = server.url.replace(/\/postgres$/, '/faults');
  await migrate(url);
});
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await server?.destroy();
});

describe('the revocation feed under faults', () => {
  it("a verifier's connection killed (pg_terminate_backend): it reconnects and misses nothing", async () => {
    const a = await follower('verifier-a');
    const writer = await follower('writer');
    const f = await tokenFixture();
    const backends = () => sql<{ pid: number }>(server.url, "SELECT pid FROM pg_stat_activity WHERE application_name = 'verifier-a'");
    // Under load a heartbeat can outlast its timeout and the store reconnects on its own: wait
    // for a connection to exist before killing it.
    let pids = await backends();
    await until(async () => {
      pids = await backends();
      return pids.rows.length > 0;
    });
    await sql(server.url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'verifier-a'");
    const entry = await writer.revoke({ kind: 'agent', did: f.writer.did });
    await until(() => a.sequence >= entry.seq && a.current);
    expect(knows(a, f.writer.did)).toBe(true);
    const after = await backends();
    expect(after.rows.map((r) => r.pid)).not.toEqual(pids.rows.map((r) => r.pid));
  });

  it('a revocation written while a verifier is disconnected: refused as stale meanwhile, caught up on reconnect', async () => {
    const a = await follower('verifier-b');
    const writer = await follower('writer-b');
    const f = await tokenFixture();
    await writer.revoke({ kind: 'principal', id: 'user:warm-up' }); // the writer's pooled connection stays open
    await sql(server.url, 'ALTER DATABASE faults ALLOW_CONNECTIONS false');
    try {
      await sql(server.url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'verifier-b'");
      const entry = await writer.revoke({ kind: 'agent', did: f.writer.did });
      await until(() => !a.current);
      expect(a.sequence).toBeLessThan(entry.seq);
      expectCode(() => a.findRevoked(agentQuery(f.writer.did)), 'revocation_stale', 'revocation_feed');
      await sql(server.url, 'ALTER DATABASE faults ALLOW_CONNECTIONS true');
      await until(() => a.current);
      expect(a.sequence).toBeGreaterThanOrEqual(entry.seq);
      expect(knows(a, f.writer.did)).toBe(true);
    } finally {
      await sql(server.url, 'ALTER DATABASE faults ALLOW_CONNECTIONS true');
    }
  });

  it('the database paused (SIGSTOP) and resumed: stale after the bound, then caught up, nothing lost', async () => {
    const stores = await Promise.all([follower('verifier-c1'), follower('verifier-c2'), follower('verifier-c3')]);
    const writer = await follower('writer-c');
    const before = await tokenFixture();
    const during = await tokenFixture();
    const e1 = await writer.revoke({ kind: 'agent', did: before.writer.did });
    await until(() => stores.every((s) => s.sequence >= e1.seq));
    server.pause();
    let pending: Promise<{ seq: number }> | undefined;
    try {
      await until(() => stores.every((s) => !s.current));
      for (const s of stores) {
        // Fails closed for what it cannot know; still refuses what it knows.
        expectCode(() => s.findRevoked(agentQuery(during.writer.did)), 'revocation_stale', 'revocation_feed');
        expect(knows(s, before.writer.did)).toBe(true);
      }
      pending = writer.revoke({ kind: 'agent', did: during.writer.did }); // waits for the server
    } finally {
      server.resume();
    }
    const e2 = await pending!;
    await until(() => stores.every((s) => s.current && s.sequence >= e2.seq));
    for (const s of stores) {
      expect(knows(s, before.writer.did)).toBe(true);
      expect(knows(s, during.writer.did)).toBe(true);
    }
  });

  it('the database restarted: stale while down, then everything from before and after', async () => {
    const a = await follower('verifier-d');
    const f = await tokenFixture();
    const g = await tokenFixture();
    const writer = await follower('writer-d');
    const e1 = await writer.revoke({ kind: 'agent', did: f.writer.did });
    await until(() => a.sequence >= e1.seq);
    await server.stop();
    await until(() => !a.current);
    expectCode(() => a.findRevoked(agentQuery(g.writer.did)), 'revocation_stale', 'revocation_feed');
    await server.start();
    const e2 = await writer.revoke({ kind: 'agent', did: g.writer.did });
    await until(() => a.current && a.sequence >= e2.seq);
    expect(knows(a, f.writer.did)).toBe(true);
    expect(knows(a, g.writer.did)).toBe(true);
  });
});
