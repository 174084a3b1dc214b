import { readFileSync } from 'node:fs';
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
    // Count the writes of the real file handle class (calls go through); each is durable on
    // its return (O_DSYNC) or followed by one datasync.
    const probe = await open(join(dir, 'probe'), 'w');
    const writes = vi.spyOn(Object.getPrototypeOf(probe) as { appendFile(data: string): Promise<void> }, 'appendFile');
    await probe.close();
    const entries = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(record(i))));
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(entries.map((e) => e.record.task)).toEqual(Array.from({ length: 200 }, (_, i) => `t-${i}`));
    // 200 records, far fewer writes (checkpoints write their own file too).
    expect(writes.mock.calls.length).toBeGreaterThan(0);
    expect(writes.mock.calls.length).toBeLessThan(40);
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

  it('appends made by separate callbacks of one event-loop turn (requests read together) go to disk in one group', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'agent-id-group-')), 'audit.jsonl');
    const log = await AuditLog.open(path);
    let linesWhenFirstResolved = 0;
    const appended: Promise<unknown>[] = [];
    // Five callbacks of one check phase, each with its own microtask checkpoint, as sockets' reads are.
    await new Promise<void>((resolve) => {
      for (let i = 0; i < 5; i++) {
        setImmediate(() => {
          appended.push(
            log.append(record(i)).then((entry) => {
              if (entry.seq === 0) linesWhenFirstResolved = readFileSync(path, 'utf8').split('\n').length - 1;
            }),
          );
          if (appended.length === 5) resolve();
        });
      }
    });
    await Promise.all(appended);
    await log.close();
    // The header and all five records were on disk when the first record's append resolved.
    expect(linesWhenFirstResolved).toBe(6);
    expect((await verifyAuditLog(path)).map((e) => e.record.task)).toEqual(['t-0', 't-1', 't-2', 't-3', 't-4']);
  });
});
