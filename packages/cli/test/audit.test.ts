import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { KeyPair, auditRecord, canonicalize } from '@agent-id/core';
import { AuditLog } from '@agent-id/core/node';
import { sha256Hex } from '@agent-id/core/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliJson, noStack, tempDir } from './helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let head: { seq: number; hash: string };
const serviceKey = KeyPair.generate();
const serviceDid = `did:key:${serviceKey.publicKey.toMultibase()}`;
const hop = (from: string, to: string) => ({
  from,
  to,
  granted: { resources: ['db:orders'], actions: ['read'], audience: ['did:web:api.example'], expiresAt: 1_900_000_000, maxDepth: 1 },
});

beforeAll(async () => {
  tmp = await tempDir();
  const log = await AuditLog.open(tmp.path('audit.jsonl'));
  const records = [
    { agent: 'did:key:zA', onBehalfOf: 'alice', task: 't-1', decision: 'allow' as const, reason: 'ok' },
    { agent: 'did:key:zB', onBehalfOf: 'bob', task: 't-2', decision: 'deny' as const, reason: 'action not granted', code: 'denied' as const },
    { agent: 'did:key:zA', onBehalfOf: 'alice', task: 't-3', decision: 'allow' as const, reason: 'ok' },
    { agent: 'did:key:zC', onBehalfOf: 'alice', task: 't-1', decision: 'allow' as const, reason: 'ok' },
  ];
  for (const r of records) {
    await log.append(auditRecord({ ...r, action: 'read', resource: 'db:orders', verifier: 'did:web:api.example', chain: [hop('did:web:acme.example', r.agent)] }));
  }
  head = log.head;
  await log.close();

  // The same records in a log whose writer signs checkpoints (at creation, after entries 1 and 3, on close).
  const signed = await AuditLog.open(tmp.path('signed.jsonl'), { checkpointKey: serviceKey, checkpointEvery: 2, checkpointInterval: 0 });
  for (const line of (await readFile(tmp.path('audit.jsonl'), 'utf8')).split('\n').slice(1, -1)) await signed.append(JSON.parse(line).record);
  await signed.close();
  await writeFile(tmp.path('service.jwk'), JSON.stringify(serviceKey.exportPrivateJwk()), { mode: 0o600 });
  await writeFile(tmp.path('service.pub.jwk'), JSON.stringify(serviceKey.publicKey.toJwk()));
});

/** Copies the signed log's checkpoint file beside `name` and writes `lines` as its log. */
async function withCheckpoints(name: string, lines: string[]): Promise<string> {
  await writeFile(tmp.path(name), `${lines.join('\n')}\n`);
  await copyFile(tmp.path('signed.jsonl.checkpoints'), tmp.path(`${name}.checkpoints`));
  return tmp.path(name);
}

const signedLines = async () => (await readFile(tmp.path('signed.jsonl'), 'utf8')).split('\n').slice(0, -1);

type Refused = { ok: boolean; intact: boolean; line: number | null; error: { code: string; check: string; message: string } };

afterAll(async () => {
  await tmp.cleanup();
});

describe('agent-id audit', () => {
  it('verify: an intact chain', async () => {
    const r = await cliJson<{ ok: boolean; intact: boolean; entries: number; head: { seq: number; hash: string } }>(['audit', 'verify', tmp.path('audit.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ ok: true, intact: true, entries: 4, head });
    const human = await cli(['audit', 'verify', '-', '--head', `${head.seq}:${head.hash}`], { input: await readFile(tmp.path('audit.jsonl'), 'utf8') });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('intact: 4 entries');
    expect(human.stdout).toContain('checkpoints: not checked');
  });

  it('verify: detects an edited line, and says which', async () => {
    const lines = (await readFile(tmp.path('audit.jsonl'), 'utf8')).split('\n');
    expect(lines[2]).toContain('"decision":"deny"');
    lines[2] = lines[2]!.replace('"decision":"deny"', '"decision":"allow"');
    await writeFile(tmp.path('edited.jsonl'), lines.join('\n'));
    const r = await cliJson<Refused>(['audit', 'verify', tmp.path('edited.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ ok: false, intact: false, line: 3, error: { code: 'audit_chain_broken', check: 'record_hash' } });
    expect(r.stderr).toContain('line 3');
    expect(noStack(r)).toBe(true);

    const shown = await cli(['audit', 'show', tmp.path('edited.jsonl')]);
    expect(shown.code).toBe(1);
  });

  it('verify: detects a removed line and, against --head, a truncated tail', async () => {
    const lines = (await readFile(tmp.path('audit.jsonl'), 'utf8')).split('\n');
    await writeFile(tmp.path('removed.jsonl'), [lines[0], ...lines.slice(2)].join('\n'));
    await writeFile(tmp.path('truncated.jsonl'), `${lines.slice(0, 3).join('\n')}\n`);
    const [removed, truncated, unnoticed] = await Promise.all([
      cliJson<Refused>(['audit', 'verify', tmp.path('removed.jsonl')]),
      cliJson<{ error: { code: string; check: string } }>(['audit', 'verify', tmp.path('truncated.jsonl'), '--head', `${head.seq}:${head.hash}`]),
      cliJson<{ ok: boolean }>(['audit', 'verify', tmp.path('truncated.jsonl')]),
    ]);
    expect(removed.code).toBe(1);
    expect(removed.json.line).toBe(2);
    expect(removed.json.error).toMatchObject({ code: 'audit_chain_broken', check: 'sequence' });
    expect(truncated.code).toBe(1);
    expect(truncated.json.error).toMatchObject({ code: 'audit_chain_broken', check: 'head' });
    expect(unnoticed.code).toBe(0);
  });

  it('verify: a member added outside the record, or a duplicated member, is refused (canonical_line)', async () => {
    const lines = (await readFile(tmp.path('audit.jsonl'), 'utf8')).split('\n').slice(0, -1);
    const entry = JSON.parse(lines[2]!) as Record<string, unknown>;
    await writeFile(tmp.path('extra.jsonl'), `${[...lines.slice(0, 2), canonicalize({ ...entry, approvedBy: 'security-admin' }), ...lines.slice(3)].join('\n')}\n`);
    const duplicated = lines[2]!.replace('"decision":"deny"', '"decision":"allow","decision":"deny"');
    await writeFile(tmp.path('duplicated.jsonl'), `${[...lines.slice(0, 2), duplicated, ...lines.slice(3)].join('\n')}\n`);
    const [extra, dup, shown] = await Promise.all([
      cliJson<Refused>(['audit', 'verify', tmp.path('extra.jsonl')]),
      cliJson<Refused>(['audit', 'verify', tmp.path('duplicated.jsonl')]),
      cli(['audit', 'show', tmp.path('extra.jsonl')]),
    ]);
    for (const r of [extra, dup]) {
      expect(r.code).toBe(1);
      expect(r.json).toMatchObject({ ok: false, intact: false, line: 3, error: { code: 'audit_chain_broken', check: 'canonical_line' } });
    }
    expect(extra.json.error.message).toContain('approvedBy');
    expect(shown.code).toBe(1);
    expect(shown.stdout).not.toContain('security-admin');
  });

  it('verify --checkpoint-key: the log ends where its newest signed checkpoint says (did:key, public or private JWK file)', async () => {
    type Verified = { ok: boolean; entries: number; logId: string; head: { seq: number }; checkpoint: { seq: number; logId: string }; afterCheckpoint: number };
    const [byDid, byPublic, byPrivate, human] = await Promise.all([
      cliJson<Verified>(['audit', 'verify', tmp.path('signed.jsonl'), '--checkpoint-key', serviceDid]),
      cliJson<Verified>(['audit', 'verify', tmp.path('signed.jsonl'), '--checkpoint-key', tmp.path('service.pub.jwk')]),
      cliJson<Verified>(['audit', 'verify', tmp.path('signed.jsonl'), '--checkpoint-key', tmp.path('service.jwk')]),
      cli(['audit', 'verify', tmp.path('signed.jsonl'), '--checkpoint-key', serviceDid]),
    ]);
    const logId = JSON.parse((await signedLines())[0]!).logId as string;
    for (const r of [byDid, byPublic, byPrivate]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.json).toMatchObject({ ok: true, entries: 4, logId, head: { seq: 3 }, checkpoint: { seq: 3, logId }, afterCheckpoint: 0 });
    }
    expect(human.stdout).toContain(`log id: ${logId}`);
    expect(human.stdout).toMatch(/checkpoint: seq 3, signed \S+; 0 entries after it/);
    const stdin = await cliJson<Verified>(['audit', 'verify', '-', '--checkpoint-key', serviceDid, '--checkpoints', tmp.path('signed.jsonl.checkpoints')], {
      input: await readFile(tmp.path('signed.jsonl'), 'utf8'),
    });
    expect(stdin.code, stdin.stderr).toBe(0);
    // The same log without its checkpoints' key passes the chain check alone.
    expect((await cliJson<Verified>(['audit', 'verify', tmp.path('signed.jsonl')])).json).toMatchObject({ ok: true, checkpoint: null, afterCheckpoint: null });
  });

  it('verify --checkpoint-key: a truncated log, a rewritten log, a foreign log', async () => {
    const lines = await signedLines();
    // Rewritten: entry 1 turned into an allow, and the whole chain re-hashed from the header.
    let prev = sha256Hex(lines[0]!);
    const rewritten = [lines[0]!];
    for (const [seq, line] of lines.slice(1).entries()) {
      const record = { ...JSON.parse(line).record, ...(seq === 1 ? { decision: 'allow', reason: 'approved' } : {}) };
      const hash = sha256Hex(canonicalize({ seq, prevHash: prev, record }));
      rewritten.push(canonicalize({ seq, prevHash: prev, hash, record }));
      prev = hash;
    }
    const foreign = await AuditLog.open(tmp.path('foreign.jsonl'));
    await foreign.close();
    await copyFile(tmp.path('signed.jsonl.checkpoints'), tmp.path('foreign.jsonl.checkpoints'));
    const key = ['--checkpoint-key', serviceDid];
    const [truncated, rewrote, other, truncatedShow] = await Promise.all([
      cliJson<Refused>(['audit', 'verify', await withCheckpoints('cut.jsonl', lines.slice(0, 3)), ...key]),
      cliJson<Refused>(['audit', 'verify', await withCheckpoints('rewritten.jsonl', rewritten), ...key]),
      cliJson<Refused>(['audit', 'verify', tmp.path('foreign.jsonl'), ...key]),
      cli(['audit', 'show', tmp.path('cut.jsonl'), ...key]),
    ]);
    expect(truncated.code).toBe(1);
    expect(truncated.json).toMatchObject({ ok: false, intact: false, line: 4, error: { code: 'audit_chain_broken', check: 'truncated' } });
    expect(rewrote.code).toBe(1);
    expect(rewrote.json).toMatchObject({ ok: false, intact: false, line: 3, error: { code: 'audit_chain_broken', check: 'rewritten' } });
    expect(other.code).toBe(1);
    expect(other.json.error).toMatchObject({ code: 'audit_chain_broken', check: 'checkpoint_log_id' });
    expect(truncatedShow.code).toBe(1);
    expect(truncatedShow.stderr).toContain('check: truncated');
    // Without the key, the cut and the rewrite pass: the chain alone cannot tell.
    const [cutAlone, rewrittenAlone] = await Promise.all([
      cli(['audit', 'verify', tmp.path('cut.jsonl')]),
      cli(['audit', 'verify', tmp.path('rewritten.jsonl')]),
    ]);
    expect([cutAlone.code, rewrittenAlone.code]).toEqual([0, 0]);
  });

  it('verify --checkpoint-key: a missing checkpoint file, a bad signature, the wrong key, a stale checkpoint', async () => {
    const lines = await signedLines();
    await writeFile(tmp.path('unsigned.jsonl'), `${lines.join('\n')}\n`);
    const cps = (await readFile(tmp.path('signed.jsonl.checkpoints'), 'utf8')).split('\n').slice(0, -1);
    const last = JSON.parse(cps.at(-1)!) as { signature: string };
    const flipped = `${last.signature[0] === 'A' ? 'B' : 'A'}${last.signature.slice(1)}`;
    await writeFile(tmp.path('badsig.jsonl'), `${lines.join('\n')}\n`);
    await writeFile(tmp.path('badsig.jsonl.checkpoints'), `${[...cps.slice(0, -1), canonicalize({ ...JSON.parse(cps.at(-1)!), signature: flipped })].join('\n')}\n`);
    const stranger = `did:key:${KeyPair.generate().publicKey.toMultibase()}`;
    const [missing, badSig, wrongKey, stale, fresh] = await Promise.all([
      cliJson<Refused>(['audit', 'verify', tmp.path('unsigned.jsonl'), '--checkpoint-key', serviceDid]),
      cliJson<Refused>(['audit', 'verify', tmp.path('badsig.jsonl'), '--checkpoint-key', serviceDid]),
      cliJson<Refused>(['audit', 'verify', tmp.path('signed.jsonl'), '--checkpoint-key', stranger]),
      cliJson<Refused>(['audit', 'verify', tmp.path('signed.jsonl'), '--checkpoint-key', serviceDid, '--max-checkpoint-age', '1ms']),
      cliJson<Refused>(['audit', 'verify', tmp.path('signed.jsonl'), '--checkpoint-key', serviceDid, '--max-checkpoint-age', '1h']),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.json).toMatchObject({ ok: false, intact: false, error: { code: 'audit_chain_broken', check: 'checkpoint_missing' } });
    for (const r of [badSig, wrongKey]) {
      expect(r.code).toBe(1);
      expect(r.json).toMatchObject({ ok: false, intact: false, error: { code: 'invalid_signature', check: 'checkpoint_signature' } });
    }
    expect(stale.code).toBe(1);
    expect(stale.json.error).toMatchObject({ code: 'audit_chain_broken', check: 'checkpoint_stale' });
    expect(fresh.code).toBe(0);
  });

  it('show: filters by user, agent, task and decision', async () => {
    type Shown = { entries: { seq: number; record: { agent: string } }[] };
    const [alice, agentA, task1, denied] = await Promise.all([
      cliJson<Shown>(['audit', 'show', tmp.path('audit.jsonl'), '--user', 'alice']),
      cliJson<Shown>(['audit', 'show', tmp.path('audit.jsonl'), '--agent', 'did:key:zA']),
      cliJson<Shown>(['audit', 'show', tmp.path('audit.jsonl'), '--task', 't-1', '--user', 'alice']),
      cliJson<Shown>(['audit', 'show', tmp.path('audit.jsonl'), '--decision', 'deny']),
    ]);
    expect(alice.json.entries.map((e) => e.seq)).toEqual([0, 2, 3]);
    expect(agentA.json.entries.map((e) => e.seq)).toEqual([0, 2]);
    expect(task1.json.entries.map((e) => e.seq)).toEqual([0, 3]);
    expect(denied.json.entries.map((e) => e.record.agent)).toEqual(['did:key:zB']);
    const human = await cli(['audit', 'show', tmp.path('audit.jsonl'), '--decision', 'deny']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('DENY read db:orders');
    expect(human.stdout).toContain('on behalf of bob');
  });

  it('bad usage and unreadable logs are exit 2', async () => {
    const [missing, badHead, badDecision, badKey, keylessCheckpoints, keylessAge, stdinNoCheckpoints, badAge, missingKeyFile] = await Promise.all([
      cli(['audit', 'verify', tmp.path('nope.jsonl')]),
      cli(['audit', 'verify', tmp.path('audit.jsonl'), '--head', 'latest']),
      cli(['audit', 'show', tmp.path('audit.jsonl'), '--decision', 'maybe']),
      cli(['audit', 'verify', tmp.path('signed.jsonl'), '--checkpoint-key', 'did:key:zNotAKey']),
      cli(['audit', 'verify', tmp.path('signed.jsonl'), '--checkpoints', tmp.path('signed.jsonl.checkpoints')]),
      cli(['audit', 'verify', tmp.path('signed.jsonl'), '--max-checkpoint-age', '1h']),
      cli(['audit', 'verify', '-', '--checkpoint-key', serviceDid], { input: await readFile(tmp.path('signed.jsonl'), 'utf8') }),
      cli(['audit', 'verify', tmp.path('signed.jsonl'), '--checkpoint-key', serviceDid, '--max-checkpoint-age', 'soon']),
      cli(['audit', 'verify', tmp.path('signed.jsonl'), '--checkpoint-key', tmp.path('nope.jwk')]),
    ]);
    for (const r of [missing, badHead, badDecision, badKey, keylessCheckpoints, keylessAge, stdinNoCheckpoints, badAge, missingKeyFile]) {
      expect(r.code).toBe(2);
      expect(noStack(r)).toBe(true);
    }
    expect(missing.stderr).toContain('no such file');
  });
});
