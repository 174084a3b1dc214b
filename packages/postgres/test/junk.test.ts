// Junk of every type into every export: a coded AgentIdError for bad input, a TypeError for
// a caller's bug, never another crash and never a silent pass.
import { KeyPair } from '@agent-id/core';
import { junk } from '@agent-id/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresAuditSink, PostgresRevocationStore, exportPostgresAuditLog, migrate, verifyPostgresAudit, verifyPostgresAuditLog } from '../src/index.js';
import { databaseUrl, freshSchema } from './helpers.js';

const validLogIds = junk.filter(([, v]) => typeof v === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(v)).map(([label]) => label);
const validSchemas = junk.filter(([, v]) => typeof v === 'string' && /^[a-z_][a-z0-9_]{0,47}$/.test(v)).map(([label]) => label);
const objects = ['undefined', ...junk.filter(([, v]) => typeof v === 'object' && v !== null && !Array.isArray(v)).map(([label]) => label)];
let url: string;
let schema: string;
let store: PostgresRevocationStore;
let sink: PostgresAuditSink;
const saved = { PGHOST: process.env.PGHOST, PGPORT: process.env.PGPORT };

/** Refused as the rules say; `resolves` lists the labels for which the call may succeed. */
async function refused(what: string, call: () => unknown, resolves: readonly string[] = []): Promise<void> {
  const label = what.replace(/^.*?\(|\)$/g, '');
  let outcome: unknown;
  try {
    outcome = await call();
  } catch (error) {
    const coded = error as { code?: unknown; check?: unknown };
    const ok = error instanceof TypeError || (error instanceof Error && typeof coded.code === 'string' && coded.code.length > 0 && typeof coded.check === 'string');
    expect(ok, `${what}: threw ${String(error)}`).toBe(true);
    return;
  }
  expect(resolves, `${what}: resolved with ${String(outcome)}`).toContain(label);
}

beforeAll(async () => {
  url = databaseUrl();
  schema = await freshSchema(url);
  store = await PostgresRevocationStore.open(url, { schema });
  sink = await PostgresAuditSink.open(url, { logId: 'junk', schema });
  // A connection given as an empty object reads PG* variables: point them at a closed port.
  Object.assign(process.env, { PGHOST: '127.0.0.1', PGPORT: '1' });
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await store.close();
  await sink.close();
});

describe('junk into every export', () => {
  it('connections', async () => {
    for (const [label, value] of junk) {
      await refused(`migrate(${label})`, () => migrate(value as string));
      await refused(`PostgresRevocationStore.open(${label})`, () => PostgresRevocationStore.open(value as string, { schema }));
      await refused(`PostgresAuditSink.open(${label})`, () => PostgresAuditSink.open(value as string, { logId: 'x', schema }));
      await refused(`exportPostgresAuditLog(${label})`, () => exportPostgresAuditLog(value as string, 'junk', { schema }));
      await refused(`verifyPostgresAudit(${label})`, () => verifyPostgresAudit(value as string, { schema }));
    }
  });

  it('options and arguments', async () => {
    for (const [label, value] of junk) {
      // (A valid name would create a schema on a server the run may share: only the others.)
      if (!validSchemas.includes(label)) await refused(`migrate options(${label})`, () => migrate(url, { schema: value as string }), ['undefined']);
      await refused(`migrate serviceRole(${label})`, () => migrate(url, { schema, serviceRole: value as string }), ['undefined']);
      await refused(`store options(${label})`, async () => (await PostgresRevocationStore.open(url, { schema, maxStalenessMs: value as number })).close(), ['undefined']);
      await refused(`store.revoke(${label})`, () => store.revoke(value as never));
      await refused(`store.revoke options(${label})`, () => store.revoke({ kind: 'principal', id: 'user:junk' }, value as never), objects);
      await refused(`store.revokeIssuedBefore(${label})`, () => store.revokeIssuedBefore(value as never, Date.now()));
      await refused(`store.revokeIssuedBefore before(${label})`, () => store.revokeIssuedBefore({ kind: 'principal', id: 'user:junk' }, value as number), ['0', '-0', '1.5']);
      await refused(`store.prune(${label})`, () => store.prune({ now: value as number }), ['undefined', '0', '-0', '1.5']);
      await refused(`store.findRevoked(${label})`, () => store.findRevoked(value as never));
      await refused(`sink options(${label})`, () => PostgresAuditSink.open(url, value as never));
      await refused(`sink logId(${label})`, async () => (await PostgresAuditSink.open(url, { logId: value as string, schema })).close(), validLogIds);
      await refused(`sink.append(${label})`, () => sink.append(value as never), objects.filter((l) => !['undefined', 'cyclic object', 'Date', 'invalid Date'].includes(l)));
      await refused(`export logId(${label})`, () => exportPostgresAuditLog(url, value as string, { schema }), validLogIds);
      await refused(`verify logId(${label})`, () => verifyPostgresAuditLog(url, value as string, { schema }), validLogIds);
      await refused(`verify checkpointKey(${label})`, () => verifyPostgresAuditLog(url, 'junk', { schema, checkpointKey: value as never }), ['undefined']);
    }
  });

  it('a record the sink takes is stored as its JSON form, and the chain still verifies', async () => {
    const report = await verifyPostgresAuditLog(url, 'junk', { schema });
    expect(report.entries.length).toBeGreaterThan(0);
    for (const entry of report.entries) expect(entry.record).toEqual(JSON.parse(JSON.stringify(entry.record)));
    const signed = await PostgresAuditSink.open(url, { logId: 'junk-signed', schema, checkpointKey: KeyPair.generate() });
    await signed.close();
  });
});
