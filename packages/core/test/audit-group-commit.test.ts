import { mkdtemp, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeyPair, auditRecord } from '../src/index.js';
import { AuditLog, verifyAuditLog } from '../src/node.js';

const record = (i: number) =>
  auditRecord({ agent: 'did:key:zA', onBehalfOf: 'did:web:u', task: `t-${i}`, action: 'read', resource: `r:/${i}`, decision: 'allow', reason: 'ok', chain: [] });

afterEach(() => vi.restoreAllMocks());

describe('group commit', () => {
  it('concurrent appends share writes and syncs, resolve in call order once on disk, and the chain verifies', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-id-group-'));
    const path = join(dir, 'audit.jsonl');
    const key = KeyPair.generate('Ed25519');
    const log = await AuditLog.open(path, { checkpointKey: key, checkpointEvery: 50 });
    // Count datasyncs of the real file handle class (calls go through).
    const probe = await open(join(dir, 'probe'), 'w');
    const syncs = vi.spyOn(Object.getPrototypeOf(probe) as { datasync(): Promise<void> }, 'datasync');
    await probe.close();
    const entries = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(record(i))));
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(entries.map((e) => e.record.task)).toEqual(Array.from({ length: 200 }, (_, i) => `t-${i}`));
    // 200 records, far fewer syncs (checkpoints sync their own file too).
    expect(syncs.mock.calls.length).toBeLessThan(40);
    expect(log.head).toEqual({ seq: 199, hash: entries[199]!.hash });
    await log.close();
    const verified = await verifyAuditLog(path, { checkpointKey: key.publicKey });
    expect(verified).toHaveLength(200);
  });

  it('a record that cannot be written is refused alone; appends before and after it land', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'agent-id-group-')), 'audit.jsonl');
    const log = await AuditLog.open(path);
    const bad = { ...record(1), reason: Number.NaN as unknown as string };
    const results = await Promise.allSettled([log.append(record(0)), log.append(bad), log.append(record(2))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await log.close();
    expect((await verifyAuditLog(path)).map((e) => e.record.task)).toEqual(['t-0', 't-2']);
  });
});
