import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileRevocationStore, authorize } from '../src/index.js';
import { AUD, USER, chainOf, clock, codeOf, dids, orgKey } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'agent-id-revocations-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('FileRevocationStore', () => {
  it('survives a restart: a second instance sees every revocation', async () => {
    const path = join(dir, 'revocations.jsonl');
    const token = await chainOf('biscuit', 2);
    const opts = { request: { resource: 'db:orders', action: 'read', audience: AUD }, presenter: dids[2]!, clock, rootPublicKey: orgKey.publicKey };
    const { revocationIds } = await authorize(token, opts);

    const first = await FileRevocationStore.open(path);
    await first.revoke({ kind: 'token', id: revocationIds[1]! }, { reason: 'task cancelled' });
    await first.revoke({ kind: 'agent', did: 'did:key:z6MkSomeoneElse' });
    expect(await codeOf(authorize(token, { ...opts, revocations: first }))).toBe('revoked');
    await first.close();

    const second = await FileRevocationStore.open(path);
    expect(second.size).toBe(2);
    expect(await codeOf(authorize(token, { ...opts, revocations: second }))).toBe('revoked');
    await second.revoke({ kind: 'principal', id: USER });
    await second.close();
    const third = await FileRevocationStore.open(path);
    expect(third.findRevoked({ tokenIds: [], agents: [], principals: [USER] })).toMatchObject({ kind: 'principal', id: USER });
    await third.close();
  });

  it('drops an unacknowledged torn tail and refuses a damaged line', async () => {
    const torn = join(dir, 'torn.jsonl');
    await writeFile(torn, '{"kind":"agent","did":"did:key:a","revokedAt":1}\n{"kind":"tok');
    const store = await FileRevocationStore.open(torn);
    expect(store.size).toBe(1);
    await store.revoke({ kind: 'token', id: 'abc' });
    await store.close();
    expect((await readFile(torn, 'utf8')).split('\n').filter(Boolean)).toHaveLength(2);

    const damaged = join(dir, 'damaged.jsonl');
    await writeFile(damaged, 'not json\n');
    expect(await codeOf(FileRevocationStore.open(damaged))).toBe('malformed_input');
  });
});
