import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditCheckpoint, type AuditEntry, type AuditRecord, type AuditChainBrokenError, auditRecord, base64urlDecode, base64urlEncode, canonicalize, KeyPair, manualClock, signDetachedJws, canonicalizeToBytes, verifyAuditLinesReport } from '../src/index.js';
import { AuditLog, verifyAuditLog, verifyAuditLogReport } from '../src/node.js';
import { sha256Hex } from '../src/internal.js';
import { expectCode } from '@agent-id/test-support';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-id-audit-cp-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
const fresh = () => join(dir, `log-${counter++}.jsonl`);
const clock = manualClock('2030-01-01T00:00:00Z');
const serviceKey = KeyPair.generate();
const otherKey = KeyPair.generate('P-256');

function record(i: number): AuditRecord {
  clock.advance(1000);
  return auditRecord(
    {
      agent: 'did:key:z6MkAgent',
      onBehalfOf: 'did:web:acme.example:users:alice',
      task: `task-${i}`,
      action: 'read',
      resource: `files:/reports/${i}.pdf`,
      decision: i % 2 === 0 ? 'allow' : 'deny',
      reason: 'checked',
      chain: [],
    },
    clock,
  );
}

const text = (lines: string[]) => `${lines.join('\n')}\n`;
const linesOf = async (path: string) => (await readFile(path, 'utf8')).split('\n').slice(0, -1);

interface Written {
  path: string;
  cpPath: string;
  log: string[];
  cps: string[];
  entries: AuditEntry[];
}

/** A log of `n` entries with a checkpoint at creation, every `every` appends and on close. */
async function writeLog(n: number, every = 3, key = serviceKey): Promise<Written> {
  const path = fresh();
  const log = await AuditLog.open(path, { checkpointKey: key, checkpointEvery: every, checkpointInterval: 0, clock });
  const entries: AuditEntry[] = [];
  for (let i = 0; i < n; i++) entries.push(await log.append(record(i)));
  await log.close();
  return { path, cpPath: `${path}.checkpoints`, log: await linesOf(path), cps: await linesOf(`${path}.checkpoints`), entries };
}

const checkpointOf = (line: string) => (JSON.parse(line) as { checkpoint: AuditCheckpoint }).checkpoint;

/** Verifies the texts with the service key. */
const verify = (log: string[] | string | Uint8Array, cps: string[] | string | Uint8Array | null, more = {}) =>
  verifyAuditLinesReport(Array.isArray(log) ? text(log) : log, {
    checkpointKey: serviceKey.publicKey,
    checkpoints: Array.isArray(cps) ? text(cps) : cps,
    ...more,
  });

const refused = (log: string[] | string | Uint8Array, cps: string[] | string | Uint8Array | null, code: 'audit_chain_broken' | 'invalid_signature', check: string, more = {}) =>
  expectCode(() => verify(log, cps, more), code, check);

/** Re-hashes a whole log from its header: a consistent chain the writer never wrote. */
function rehash(lines: string[], edit: (record: AuditRecord, seq: number) => AuditRecord, header = lines[0]!): string[] {
  let prev = sha256Hex(header);
  const out = [header];
  lines.slice(1).forEach((line, seq) => {
    const record = edit((JSON.parse(line) as AuditEntry).record, seq);
    const hash = sha256Hex(canonicalize({ seq, prevHash: prev, record }));
    out.push(canonicalize({ seq, prevHash: prev, hash, record }));
    prev = hash;
  });
  return out;
}

describe('writing checkpoints', () => {
  it('signs one at creation, every N appends and on close; every line canonical', async () => {
    const w = await writeLog(7, 3);
    // creation (seq -1), after entries 2 and 5, on close (seq 6)
    expect(w.cps.map((l) => checkpointOf(l).seq)).toEqual([-1, 2, 5, 6]);
    for (const line of w.cps) {
      expect(canonicalize(JSON.parse(line))).toBe(line);
      expect(Object.keys(JSON.parse(line)).sort()).toEqual(['checkpoint', 'protected', 'signature']);
    }
    const header = JSON.parse(w.log[0]!) as { logId: string };
    const first = checkpointOf(w.cps[0]!);
    expect(first).toMatchObject({ logId: header.logId, seq: -1, headHash: sha256Hex(w.log[0]!) });
    expect(checkpointOf(w.cps[3]!)).toMatchObject({ seq: 6, headHash: w.entries[6]!.hash });
    // The signature is a detached JWS over the RFC 8785 bytes of the checkpoint.
    const { protected: p, signature } = JSON.parse(w.cps[1]!) as { protected: string; signature: string };
    expect(JSON.parse(new TextDecoder().decode(base64urlDecode(p)))).toEqual({ typ: 'agent-id-audit-checkpoint', kid: serviceKey.publicKey.toMultibase(), alg: 'EdDSA' });
    const signingInput = new TextEncoder().encode(`${p}.${base64urlEncode(canonicalizeToBytes(checkpointOf(w.cps[1]!)))}`);
    expect(serviceKey.publicKey.verify(base64urlDecode(signature), signingInput)).toBe(true);

    const report = await verifyAuditLogReport(w.path, { checkpointKey: serviceKey.publicKey });
    expect(report).toMatchObject({ logId: header.logId, checkpoints: 4, head: { seq: 6, hash: w.entries[6]!.hash } });
    expect(report.checkpoint).toEqual(checkpointOf(w.cps[3]!));
    expect(report.entries).toEqual(w.entries);
  });

  it('log.checkpoint() signs the current head; a timer signs while the log is open, idle or not', async () => {
    const path = fresh();
    const log = await AuditLog.open(path, { checkpointKey: serviceKey, checkpointEvery: 0, checkpointInterval: 15 });
    const entry = await log.append(record(0));
    expect(await log.checkpoint()).toMatchObject({ logId: log.logId, seq: 0, headHash: entry.hash });
    const before = (await linesOf(`${path}.checkpoints`)).length;
    await new Promise((resolve) => setTimeout(resolve, 120));
    const after = (await linesOf(`${path}.checkpoints`)).length;
    expect(after).toBeGreaterThan(before);
    await log.close();
    expect(await verifyAuditLog(path, { checkpointKey: serviceKey.publicKey })).toHaveLength(1);
  });

  it('reopening continues; a crash after the newest checkpoint leaves a log that still verifies', async () => {
    const w = await writeLog(2, 100);
    const log = await AuditLog.open(w.path, { checkpointKey: serviceKey, checkpointEvery: 100, checkpointInterval: 0 });
    await log.append(record(2));
    // No close(): the process "crashed" with entry 2 after the newest checkpoint.
    const report = await verifyAuditLogReport(w.path, { checkpointKey: serviceKey.publicKey });
    expect(report.head.seq).toBe(2);
    expect(report.checkpoint!.seq).toBe(1);
    const reopened = await AuditLog.open(w.path, { checkpointKey: serviceKey, checkpointInterval: 0 });
    expect(reopened.head.seq).toBe(2);
    await reopened.close();
    await log.close();
  });

  it('a log whose checkpoint file is gone is refused, unless adopted on purpose', async () => {
    const w = await writeLog(3);
    await unlink(w.cpPath);
    await expectCode(AuditLog.open(w.path, { checkpointKey: serviceKey }), 'audit_chain_broken', 'checkpoint_missing');
    await writeFile(w.cpPath, '');
    await expectCode(AuditLog.open(w.path, { checkpointKey: serviceKey }), 'audit_chain_broken', 'checkpoint_missing');
    const log = await AuditLog.open(w.path, { checkpointKey: serviceKey, adoptExisting: true, checkpointInterval: 0 });
    await log.close();
    // Adopting signs a checkpoint at once, so the file exists from then on.
    expect((await linesOf(w.cpPath)).map((l) => checkpointOf(l).seq)).toEqual([2, 2]);
    expect(await verifyAuditLog(w.path, { checkpointKey: serviceKey.publicKey })).toHaveLength(3);
  });

  it('a log written without a key is adopted with adoptExisting; an empty one needs nothing', async () => {
    const path = fresh();
    const plain = await AuditLog.open(path);
    await plain.close();
    const empty = await AuditLog.open(path, { checkpointKey: serviceKey, checkpointInterval: 0 });
    await empty.append(record(0));
    await empty.close();
    expect(await verifyAuditLog(path, { checkpointKey: serviceKey.publicKey })).toHaveLength(1);
  });

  it('open() with the key refuses a cut, rewritten or foreign log, and a missing log with checkpoints', async () => {
    const w = await writeLog(6, 2);
    await writeFile(w.path, text(w.log.slice(0, 4)));
    await expectCode(AuditLog.open(w.path, { checkpointKey: serviceKey }), 'audit_chain_broken', 'truncated');
    await writeFile(w.path, text(rehash(w.log, (r) => ({ ...r, decision: 'allow' }))));
    await expectCode(AuditLog.open(w.path, { checkpointKey: serviceKey }), 'audit_chain_broken', 'rewritten');
    await unlink(w.path);
    await expectCode(AuditLog.open(w.path, { checkpointKey: serviceKey }), 'audit_chain_broken', 'truncated');
    // Without the key the writer does not read checkpoints.
    const plain = await AuditLog.open(w.path);
    await plain.close();
  });

  it('after a key rotation the old key is named in previousCheckpointKeys', async () => {
    const w = await writeLog(2, 100, otherKey);
    const next = KeyPair.generate();
    await expectCode(AuditLog.open(w.path, { checkpointKey: next }), 'invalid_signature', 'checkpoint_signature');
    const log = await AuditLog.open(w.path, { checkpointKey: next, previousCheckpointKeys: [otherKey.publicKey], checkpointInterval: 0 });
    await log.append(record(2));
    await log.close();
    await expectCode(verifyAuditLog(w.path, { checkpointKey: next.publicKey }), 'invalid_signature', 'checkpoint_signature');
    expect(await verifyAuditLog(w.path, { checkpointKey: [next.publicKey, otherKey.publicKey] })).toHaveLength(3);
  });
});

describe('verifying against checkpoints (issue #14, item 4)', () => {
  let w: Written;
  beforeAll(async () => {
    w = await writeLog(8, 3); // checkpoints at -1, 2, 5, 7
  });

  it('the intact pair verifies; the newest checkpoint is reported', () => {
    const report = verify(w.log, w.cps);
    expect(report.checkpoint?.seq).toBe(7);
    expect(report.checkpoints).toBe(w.cps.length);
    expect(verify(new TextEncoder().encode(text(w.log)), new TextEncoder().encode(text(w.cps))).entries).toEqual(w.entries);
  });

  it('truncated: the log ends before the checkpointed seq', () => {
    const e = refused(w.log.slice(0, 7), w.cps, 'audit_chain_broken', 'truncated') as AuditChainBrokenError;
    expect(e.line).toBe(8);
    expect(e.message).toContain('seq 7');
    refused(w.log.slice(0, 1), w.cps, 'audit_chain_broken', 'truncated');
    // Without the key (or the checkpoints) the cut goes unnoticed: that is what the key is for.
    expect(verifyAuditLinesReport(text(w.log.slice(0, 7))).entries).toHaveLength(6);
  });

  it('rewritten: the whole chain re-hashed, the entry at a checkpointed seq has another hash', () => {
    const forged = rehash(w.log, (r, seq) => (seq === 4 ? { ...r, decision: 'allow', reason: 'approved' } : r));
    expect(verifyAuditLinesReport(text(forged)).entries).toHaveLength(8); // the chain alone is consistent
    const e = refused(forged, w.cps, 'audit_chain_broken', 'rewritten') as AuditChainBrokenError;
    expect(e.line).toBe(7); // entry 5, the first checkpointed one at or after the edit
    // Rewritten and cut to the edit: the newest checkpoint still says how long it was.
    refused(forged.slice(0, 6), w.cps, 'audit_chain_broken', 'truncated');
  });

  it('a checkpoint of another log: a new header (fresh log id) with the same entries', () => {
    const header = canonicalize({ ...JSON.parse(w.log[0]!), logId: 'forged-log' });
    const forged = rehash(w.log, (r) => r, header);
    refused(forged, w.cps, 'audit_chain_broken', 'checkpoint_log_id');
  });

  it('checkpoint_missing: no checkpoint file, or none in it, when a key is given', () => {
    refused(w.log, null, 'audit_chain_broken', 'checkpoint_missing');
    refused(w.log, '', 'audit_chain_broken', 'checkpoint_missing');
    expect(verifyAuditLinesReport(text(w.log), { checkpoints: null }).checkpoint).toBeNull();
  });

  it('checkpoint_missing from a file path: the default <log>.checkpoints or checkpointPath', async () => {
    const path = fresh();
    await writeFile(path, text(w.log));
    await expectCode(verifyAuditLog(path, { checkpointKey: serviceKey.publicKey }), 'audit_chain_broken', 'checkpoint_missing');
    await writeFile(join(dir, 'elsewhere.checkpoints'), text(w.cps));
    expect(await verifyAuditLog(path, { checkpointKey: serviceKey.publicKey, checkpointPath: join(dir, 'elsewhere.checkpoints') })).toHaveLength(8);
  });

  it('checkpoint_signature: a bad signature, an edited checkpoint, an untrusted signer', () => {
    const line = JSON.parse(w.cps[2]!) as { checkpoint: AuditCheckpoint; protected: string; signature: string };
    const sig = base64urlDecode(line.signature);
    sig[10]! ^= 1;
    const badSig = [...w.cps];
    badSig[2] = canonicalize({ ...line, signature: base64urlEncode(sig) });
    refused(w.log, badSig, 'invalid_signature', 'checkpoint_signature');
    // The checkpoint moved back to seq 2 to hide a cut after it, with the old signature.
    const edited = [...w.cps];
    edited[3] = canonicalize({ ...JSON.parse(w.cps[3]!), checkpoint: checkpointOf(w.cps[1]!) });
    refused(w.log, edited, 'invalid_signature', 'checkpoint_signature');
    // A checkpoint the attacker signed with a key of their own.
    const theirs = KeyPair.generate();
    const cp = { ...checkpointOf(w.cps[3]!), seq: 5, headHash: w.entries[5]!.hash };
    const jws = signDetachedJws({ typ: 'agent-id-audit-checkpoint', kid: theirs.publicKey.toMultibase() }, canonicalizeToBytes(cp), theirs);
    const forged = [...w.cps.slice(0, 3), canonicalize({ checkpoint: cp, protected: jws.protected, signature: jws.signature })];
    const e = refused(w.log.slice(0, 7), forged, 'invalid_signature', 'checkpoint_signature');
    expect(e.message).toContain('not a trusted checkpoint key');
    // Verified against the wrong key, every checkpoint fails.
    expectCode(() => verifyAuditLinesReport(text(w.log), { checkpointKey: theirs.publicKey, checkpoints: text(w.cps) }), 'invalid_signature', 'checkpoint_signature');
  });

  it('checkpoint_parse: a line with an extra member, spacing, a duplicated member, or no newline', () => {
    const line = JSON.parse(w.cps[1]!) as Record<string, unknown>;
    const cases = [
      canonicalize({ ...line, note: 'x' }),
      canonicalize({ ...line, checkpoint: { ...(line.checkpoint as object), approvedBy: 'x' } }),
      JSON.stringify(line, null, 1).replace(/\n/g, ''),
      w.cps[1]!.replace('{"checkpoint":', '{"checkpoint":{},"checkpoint":'),
      'not json',
    ];
    for (const bad of cases) refused(w.log, [w.cps[0]!, bad, ...w.cps.slice(2)], 'audit_chain_broken', 'checkpoint_parse');
    refused(w.log, w.cps.join('\n'), 'audit_chain_broken', 'checkpoint_parse');
  });

  it('checkpoint_order: checkpoints out of order', () => {
    const swapped = [...w.cps];
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    refused(w.log, swapped, 'audit_chain_broken', 'checkpoint_order');
  });

  it('a checkpoint of another log in the file', async () => {
    const other = await writeLog(8, 3);
    refused(w.log, [...w.cps, other.cps.at(-1)!], 'audit_chain_broken', 'checkpoint_log_id');
  });

  it('what a holder of the files can still do: cut or forge entries after the newest checkpoint', async () => {
    const path = fresh();
    const log = await AuditLog.open(path, { checkpointKey: serviceKey, checkpointEvery: 3, checkpointInterval: 0, clock });
    for (let i = 0; i < 5; i++) await log.append(record(i));
    const cps = await linesOf(`${path}.checkpoints`); // -1 and 2: entries 3 and 4 are not covered yet
    const lines = await linesOf(path);
    await log.close();
    expect(verify(lines.slice(0, 4), cps).head.seq).toBe(2);
    expect(verify(rehash(lines, (r, seq) => (seq >= 3 ? { ...r, decision: 'allow' } : r)), cps).entries).toHaveLength(5);
  });

  it('and roll the pair back to an older checkpoint: caught only with a freshness bound', () => {
    const rolledLog = w.log.slice(0, 4); // entries 0..2
    const rolledCps = w.cps.slice(0, 2); // checkpoints -1 and 2
    expect(verify(rolledLog, rolledCps).checkpoint?.seq).toBe(2);
    const signedAt = Date.parse(checkpointOf(w.cps[1]!).time);
    const now = (ms: number) => () => signedAt + ms;
    expect(verify(rolledLog, rolledCps, { maxCheckpointAge: 60_000, clock: now(30_000) }).entries).toHaveLength(3);
    const e = refused(rolledLog, rolledCps, 'audit_chain_broken', 'checkpoint_stale', { maxCheckpointAge: 60_000, clock: now(61_000) });
    expect(e.message).toContain('61 s old');
    expect(() => verifyAuditLinesReport(text(w.log), { maxCheckpointAge: 1000 })).toThrow(TypeError);
  });

  it('the expected head and the log id pins still apply', () => {
    expectCode(() => verify(w.log, w.cps, { logId: 'other' }), 'audit_chain_broken', 'log_id');
    expectCode(() => verify(w.log, w.cps, { expectedHead: { seq: 9, hash: 'a'.repeat(64) } }), 'audit_chain_broken', 'head');
  });

  it('property: flipping any bits of any one byte of the checkpoint file makes it fail', () => {
    const logBytes = new TextEncoder().encode(text(w.log));
    const bytes = new TextEncoder().encode(text(w.cps));
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, mask) => {
        const flipped = Uint8Array.from(bytes);
        flipped[at]! ^= mask;
        const e = expectCode(() => verify(logBytes, flipped), expect.stringMatching(/^(audit_chain_broken|invalid_signature)$/) as never);
        expect(e.check).toMatch(/^checkpoint_/);
      }),
      { numRuns: 400 },
    );
  });

  it('option mistakes are caller bugs', () => {
    expect(() => verifyAuditLinesReport(text(w.log), { checkpointKey: [] })).toThrow(TypeError);
    expect(() => verifyAuditLinesReport(text(w.log), { checkpointKey: 'did:key:z6Mk' as never })).toThrow(TypeError);
  });
});
