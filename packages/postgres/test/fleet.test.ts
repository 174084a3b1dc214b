import { afterAll, expect, it } from 'vitest';
import { PostgresRevocationStore } from '../src/index.js';
import { Verifier } from './fleet.js';
import { REQUEST, databaseUrl, freshSchema, tokenFixture, until } from './helpers.js';

const verifiers: Verifier[] = [];
afterAll(async () => {
  await Promise.all(verifiers.map((v) => v.stop()));
});

it('8 verifier processes: each refuses the revoked token from its first check after the notification, and none before it was written', async () => {
  const url = databaseUrl();
  const schema = await freshSchema(url);
  const f = await tokenFixture();
  const config = { url, schema, wire: f.wire, root: f.org.publicKey.toMultibase(), presenter: f.writer.did, request: REQUEST };
  for (let i = 0; i < 8; i++) verifiers.push(new Verifier(config));
  await Promise.all(verifiers.map((v) => v.ready));
  // Every verifier is deciding (and allowing) before the revocation exists.
  await until(async () => (await Promise.all(verifiers.map((v) => v.report()))).every((r) => r.allowed >= 5), 50);

  const admin = await PostgresRevocationStore.open(url, { schema, follow: false });
  const entry = await admin.revoke({ kind: 'agent', did: f.writer.did }, { reason: 'fleet test' });
  await admin.close();
  await until(async () => (await Promise.all(verifiers.map((v) => v.report()))).every((r) => r.refused >= 5), 50);

  for (const r of await Promise.all(verifiers.map((v) => v.report()))) {
    expect(r.other).toEqual([]);
    expect(r.stale).toBe(0);
    // Allowed only while it had not applied the revocation's number: never after it arrived.
    expect(r.maxSeqBeforeAllowed).toBeLessThan(entry.seq);
    // Refused only once it had: never before the revocation was written and announced.
    expect(r.minSeqAfterRefused).toBeGreaterThanOrEqual(entry.seq);
    expect(r.sequence).toBeGreaterThanOrEqual(entry.seq);
  }
});
