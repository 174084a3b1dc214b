import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditEntry, type AuditRecord, AuditChainBrokenError, auditRecord, canonicalize, manualClock, verifyAuditLines, verifyAuditLinesReport } from '../src/index.js';
import { AuditLog, verifyAuditLog } from '../src/node.js';
import { auditEntryLine, auditHeaderLine, sha256Hex } from '../src/internal.js';
import { expectCode } from '@agent-id/test-support';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-id-audit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
const fresh = () => join(dir, `log-${counter++}.jsonl`);
const clock = manualClock('2030-01-01T00:00:00Z');

function record(i: number): AuditRecord {
  clock.advance(1000);
  return auditRecord(
    {
      agent: 'did:key:z6MkAgent',
      onBehalfOf: 'did:web:acme.example:users:alice',
      task: `task-${i}`,
      action: 'read',
      resource: `files:/reports/${i}.pdf`,
      decision: i % 3 === 0 ? 'deny' : 'allow',
      reason: i % 3 === 0 ? 'action not granted' : 'all checks passed',
      ...(i % 3 === 0 ? { code: 'denied' as const } : {}),
      verifier: 'did:web:files.example',
      chain: [
        { from: 'did:web:acme.example', to: 'did:key:z6MkOrch', granted: { resources: ['files:/*'], actions: ['read'], audience: ['did:web:files.example'], expiresAt: 2e9, maxDepth: 2 } },
        { from: 'did:key:z6MkOrch', to: 'did:key:z6MkAgent', granted: { resources: ['files:/reports/*'], actions: ['read'], audience: ['did:web:files.example'], expiresAt: 2e9, maxDepth: 1 } },
      ],
    },
    clock,
  );
}

async function writeLog(n: number): Promise<{ path: string; head: { seq: number; hash: string }; lines: string[]; entries: AuditEntry[] }> {
  const path = fresh();
  const log = await AuditLog.open(path, { clock });
  const entries: AuditEntry[] = [];
  for (let i = 0; i < n; i++) entries.push(await log.append(record(i)));
  const head = log.head;
  await log.close();
  const lines = (await readFile(path, 'utf8')).split('\n').slice(0, -1);
  return { path, head, lines, entries };
}

const text = (lines: string[]) => `${lines.join('\n')}\n`;

const broken = (input: string | Uint8Array, check: string, line: number, opts = {}) => {
  const e = expectCode(() => verifyAuditLines(input, opts), 'audit_chain_broken', check) as AuditChainBrokenError;
  expect(e).toBeInstanceOf(AuditChainBrokenError);
  expect(e.line).toBe(line);
  expect(e.message).toContain(`line ${line}`);
  return e;
};

describe('AuditLog', () => {
  it('creates an owner-only file: a header, then hash-chained entries, each line its RFC 8785 form', async () => {
    const { path, head, lines, entries: appended } = await writeLog(5);
    if (process.platform !== 'win32') expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(lines).toHaveLength(6);
    for (const line of lines) expect(canonicalize(JSON.parse(line))).toBe(line);
    const header = JSON.parse(lines[0]!) as { created: string; format: string; logId: string };
    expect(Object.keys(header).sort()).toEqual(['created', 'format', 'logId']);
    expect(header.format).toBe('agent-id-audit-log/1');
    expect(header.logId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const report = verifyAuditLinesReport(text(lines), { expectedHead: head });
    expect(report).toMatchObject({ logId: header.logId, created: header.created, head, checkpoint: null, checkpoints: 0 });
    const entries = await verifyAuditLog(path, { expectedHead: head });
    expect(entries).toEqual(appended);
    expect(entries.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(entries[0]!.prevHash).toBe(sha256Hex(lines[0]!));
    expect(entries[1]!.prevHash).toBe(entries[0]!.hash);
    expect(head).toEqual({ seq: 4, hash: entries[4]!.hash });
    expect(entries[0]!.record.timestamp).toBe('2030-01-01T00:00:01.000Z');
    expect(entries[0]!.record.chain).toHaveLength(2);
  });

  it('every log gets its own random id, or the one given', async () => {
    const [a, b] = await Promise.all([writeLog(0), writeLog(0)]);
    expect(JSON.parse(a.lines[0]!).logId).not.toBe(JSON.parse(b.lines[0]!).logId);
    const path = fresh();
    const log = await AuditLog.open(path, { logId: 'files-api:2030-01' });
    expect(log.logId).toBe('files-api:2030-01');
    await log.close();
    expect(verifyAuditLinesReport(await readFile(path)).logId).toBe('files-api:2030-01');
    // On an existing log the id is a pin.
    await expectCode(AuditLog.open(path, { logId: 'other' }), 'audit_chain_broken', 'log_id');
    await expectCode(verifyAuditLog(path, { logId: 'other' }), 'audit_chain_broken', 'log_id');
    expect(await verifyAuditLog(path, { logId: 'files-api:2030-01' })).toEqual([]);
    await expect(AuditLog.open(fresh(), { logId: 'no spaces' })).rejects.toThrow(TypeError);
  });

  it('reopening continues the chain', async () => {
    const { path } = await writeLog(2);
    const log = await AuditLog.open(path);
    expect(log.head.seq).toBe(1);
    const entry = await log.append(record(9));
    expect(entry.seq).toBe(2);
    await log.close();
    expect(await verifyAuditLog(path, { expectedHead: { seq: 2, hash: entry.hash } })).toHaveLength(3);
  });

  it('concurrent appends keep the chain valid and ordered', async () => {
    const path = fresh();
    const log = await AuditLog.open(path);
    const entries = await Promise.all(Array.from({ length: 25 }, (_, i) => log.append(record(i))));
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    await log.close();
    expect(await verifyAuditLog(path, { expectedHead: { seq: 24, hash: entries[24]!.hash } })).toHaveLength(25);
  });

  it('a record that cannot be canonicalized is refused and leaves the log intact', async () => {
    const path = fresh();
    const log = await AuditLog.open(path);
    await log.append(record(1));
    await expectCode(log.append({ ...record(2), extra: Number.NaN } as unknown as AuditRecord), 'malformed_input');
    const ok = await log.append(record(3));
    expect(ok.seq).toBe(1);
    await log.close();
    expect(await verifyAuditLog(path)).toHaveLength(2);
  });

  it('a record is stored, hashed and returned in its JSON form (a Date as its ISO string, undefined dropped)', async () => {
    const path = fresh();
    const log = await AuditLog.open(path);
    const entry = await log.append({ ...record(1), extra: new Date(0), code: undefined } as unknown as AuditRecord);
    await log.close();
    expect((entry.record as unknown as { extra: unknown }).extra).toBe('1970-01-01T00:00:00.000Z');
    expect('code' in entry.record).toBe(false);
    expect(await verifyAuditLog(path)).toEqual([entry]);
  });

  it('open() refuses a broken log', async () => {
    const { path, lines } = await writeLog(3);
    const edited = lines.map((l, i) => (i === 2 ? l.replace('"read"', '"write"') : l));
    await writeFile(path, text(edited));
    const e = await expectCode(AuditLog.open(path), 'audit_chain_broken', 'record_hash');
    expect((e as AuditChainBrokenError).line).toBe(3);
  });

  it('open() refuses a torn last line', async () => {
    const { path, lines } = await writeLog(2);
    await writeFile(path, `${text(lines)}${lines[1]!.slice(0, 20)}`);
    const e = await expectCode(AuditLog.open(path), 'audit_chain_broken', 'parse');
    expect((e as AuditChainBrokenError).line).toBe(4);
  });

  it('open() refuses a last line without its newline (appending would run two lines together)', async () => {
    const { path, lines } = await writeLog(2);
    await writeFile(path, lines.join('\n'));
    const e = await expectCode(AuditLog.open(path), 'audit_chain_broken', 'canonical_line');
    expect((e as AuditChainBrokenError).line).toBe(3);
  });

  it('a log without a header (the format before log ids) is refused', async () => {
    const { path, lines } = await writeLog(2);
    await writeFile(path, text(lines.slice(1)));
    await expectCode(AuditLog.open(path), 'audit_chain_broken', 'header');
    await expectCode(verifyAuditLog(path), 'audit_chain_broken', 'header');
  });

  it('an empty file is a log whose creation was cut off: open() starts it, verify refuses it', async () => {
    const path = fresh();
    await writeFile(path, '', { mode: 0o600 });
    await expectCode(verifyAuditLog(path), 'audit_chain_broken', 'header');
    const log = await AuditLog.open(path);
    await log.append(record(1));
    await log.close();
    expect(await verifyAuditLog(path)).toHaveLength(1);
  });

  it('an empty log has the head AuditLog reports: seq -1 and the header hash', async () => {
    const path = fresh();
    const log = await AuditLog.open(path);
    const emptyHead = log.head;
    await log.close();
    const header = (await readFile(path, 'utf8')).split('\n')[0]!;
    expect(emptyHead).toEqual({ seq: -1, hash: sha256Hex(header) });
    expect(await verifyAuditLog(path, { expectedHead: emptyHead })).toEqual([]);
  });

  it('options that need a checkpoint key are refused without one', async () => {
    await expect(AuditLog.open(fresh(), { checkpointEvery: 10 })).rejects.toThrow(TypeError);
    await expect(AuditLog.open(fresh(), { adoptExisting: true })).rejects.toThrow(TypeError);
    const log = await AuditLog.open(fresh());
    await expect(log.checkpoint()).rejects.toThrow(TypeError);
    await log.close();
  });
});

describe('tamper detection', () => {
  let lines: string[];
  let head: { seq: number; hash: string };
  beforeAll(async () => {
    ({ lines, head } = await writeLog(6));
  });

  it('accepts the untouched log, as text or bytes', () => {
    expect(verifyAuditLines(text(lines), { expectedHead: head })).toHaveLength(6);
    expect(verifyAuditLines(new TextEncoder().encode(text(lines)))).toHaveLength(6);
  });

  it('an edited record: line of the edit', () => {
    const edited = [...lines];
    edited[4] = edited[4]!.replace('files:/reports/3.pdf', 'files:/reports/4.pdf');
    expect(edited[4]).not.toBe(lines[4]);
    broken(text(edited), 'record_hash', 5);
    edited[4] = lines[4]!.replace('"deny"', '"allow"');
    broken(text(edited), 'record_hash', 5);
  });

  it('an edited record with a recomputed own hash: the next line breaks', () => {
    const edited = [...lines];
    const entry = JSON.parse(edited[3]!) as AuditEntry;
    entry.record.resource = 'files:/secrets/k';
    // Recompute the entry's own hash the way the log does (SHA-256 of the RFC 8785 form).
    entry.hash = sha256Hex(canonicalize({ seq: entry.seq, prevHash: entry.prevHash, record: entry.record }));
    edited[3] = canonicalize(entry);
    broken(text(edited), 'prev_hash', 5);
  });

  it('a deleted line', () => {
    broken(text([...lines.slice(0, 3), ...lines.slice(4)]), 'sequence', 4);
    broken(text([lines[0]!, ...lines.slice(2)]), 'sequence', 2);
    broken(text(lines.slice(1)), 'header', 1);
  });

  it('two swapped lines', () => {
    const swapped = [...lines];
    [swapped[2], swapped[5]] = [swapped[5]!, swapped[2]!];
    broken(text(swapped), 'sequence', 3);
  });

  it('an inserted line (a copy, or a crafted entry with the right seq)', () => {
    broken(text([...lines.slice(0, 4), lines[3]!, ...lines.slice(4)]), 'sequence', 5);
    const crafted = JSON.parse(lines[4]!) as AuditEntry;
    broken(text([...lines.slice(0, 4), canonicalize({ ...crafted, prevHash: 'a'.repeat(64) }), ...lines.slice(4)]), 'prev_hash', 5);
  });

  it('garbage lines', () => {
    broken(text([...lines.slice(0, 2), 'not json', ...lines.slice(2)]), 'parse', 3);
    broken(text([...lines.slice(0, 2), '', ...lines.slice(2)]), 'parse', 3);
    broken(text([...lines.slice(0, 2), '[1,2]', ...lines.slice(2)]), 'parse', 3);
    broken(text([...lines.slice(0, 2), '{"hash":"y","prevHash":"x","record":5,"seq":1}', ...lines.slice(2)]), 'parse', 3);
    broken(text(['not a header', ...lines.slice(1)]), 'header', 1);
    broken('', 'header', 1);
  });

  it('truncation is detected against the expected head only', () => {
    expect(verifyAuditLines(text(lines.slice(0, 5)))).toHaveLength(4);
    broken(text(lines.slice(0, 5)), 'head', 6, { expectedHead: head });
    broken(text(lines.slice(0, 1)), 'head', 2, { expectedHead: head });
  });

  it('non-string, non-byte input is a caller bug', () => {
    expect(() => verifyAuditLines(undefined as unknown as string)).toThrow(TypeError);
    expect(() => verifyAuditLines(5 as unknown as string)).toThrow(TypeError);
  });
});

describe('a verified log is exactly what the writer wrote (issue #14, item 3)', () => {
  let lines: string[];
  beforeAll(async () => {
    ({ lines } = await writeLog(4));
  });
  const withLine = (n: number, line: string) => text(lines.map((l, i) => (i === n - 1 ? line : l)));

  it('a member added outside the record is refused, though the hashes still match', () => {
    const entry = JSON.parse(lines[1]!) as Record<string, unknown>;
    const smuggled = canonicalize({ ...entry, approvedBy: 'security-admin' });
    const e = broken(withLine(2, smuggled), 'canonical_line', 2);
    expect(e.message).toContain('approvedBy');
    broken(withLine(2, smuggled.replace('{', '{"approvedBy":"security-admin",')), 'canonical_line', 2);
  });

  it('a duplicated member is refused: JSON.parse keeps the last value, grep sees the first', () => {
    // Entry 0 is a deny; a forged "allow" placed before the real decision.
    expect(lines[1]).toContain('"decision":"deny"');
    const duplicated = lines[1]!.replace('"decision":"deny"', '"decision":"allow","decision":"deny"');
    expect(JSON.parse(duplicated)).toEqual(JSON.parse(lines[1]!));
    broken(withLine(2, duplicated), 'canonical_line', 2);
    const outer = lines[1]!.replace('{"hash":', `{"hash":"${'0'.repeat(64)}","hash":`);
    broken(withLine(2, outer), 'canonical_line', 2);
  });

  it('any other serialization of the same values is refused', () => {
    const entry = JSON.parse(lines[2]!) as AuditEntry;
    // The order the writer used before lines were canonical: seq, prevHash, hash, record.
    const { seq, prevHash, hash, record: r } = entry;
    expect(JSON.stringify({ seq, prevHash, hash, record: r })).not.toBe(lines[2]);
    broken(withLine(3, JSON.stringify({ seq, prevHash, hash, record: r })), 'canonical_line', 3);
    broken(withLine(3, JSON.stringify(JSON.parse(canonicalize(entry)), null, 1).replace(/\n/g, '')), 'canonical_line', 3);
    broken(withLine(3, lines[2]!.replace('"read"', '"\\u0072ead"')), 'canonical_line', 3);
    broken(withLine(3, `${lines[2]} `), 'canonical_line', 3);
    broken(withLine(3, `${lines[2]}\r`), 'canonical_line', 3);
    broken(withLine(1, lines[0]!.replace('{', '{ ')), 'canonical_line', 1);
    broken(withLine(1, canonicalize({ ...JSON.parse(lines[0]!), approvedBy: 'x' })), 'header', 1);
  });

  it('bytes: invalid UTF-8 and a byte order mark are refused', () => {
    const bytes = new TextEncoder().encode(text(lines));
    const invalid = Uint8Array.from(bytes);
    invalid[lines[0]!.length + 1 + lines[1]!.length + 5] = 0xff;
    broken(invalid, 'parse', 3);
    broken(Uint8Array.of(0xef, 0xbb, 0xbf, ...bytes), 'header', 1);
  });

  it('verified entries hold only what the hashes cover', () => {
    for (const entry of verifyAuditLines(text(lines))) expect(Object.keys(entry).sort()).toEqual(['hash', 'prevHash', 'record', 'seq']);
  });

  it('property: flipping any bits of any one byte of the log makes it fail', () => {
    const bytes = new TextEncoder().encode(text(lines));
    for (let at = 0; at < bytes.length; at++) {
      const flipped = Uint8Array.from(bytes);
      flipped[at]! ^= 0x01;
      expectCode(() => verifyAuditLines(flipped), 'audit_chain_broken');
    }
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, mask) => {
        const flipped = Uint8Array.from(bytes);
        flipped[at]! ^= mask;
        expectCode(() => verifyAuditLines(flipped), 'audit_chain_broken');
        // Read as text (replacement characters for invalid UTF-8), it fails as well.
        expectCode(() => verifyAuditLines(Buffer.from(flipped).toString('utf8')), 'audit_chain_broken');
      }),
      { numRuns: 500 },
    );
  });

  it('property: any record the writer accepts comes back from the verifier as the writer returned it', async () => {
    const path = fresh();
    const log = await AuditLog.open(path);
    const appended: AuditEntry[] = [];
    const extra = fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary' }), extra, async (resource, fields) => {
        appended.push(await log.append({ ...fields, ...record(appended.length), resource } as AuditRecord));
      }),
      { numRuns: 60 },
    );
    await log.close();
    const bytes = await readFile(path);
    expect(verifyAuditLines(bytes)).toEqual(appended);
    for (const line of bytes.toString('utf8').split('\n').slice(0, -1)) expect(canonicalize(JSON.parse(line))).toBe(line);
  });
});

describe('attacker-chosen strings', () => {
  it('a lone surrogate in a record cannot stop it being logged', async () => {
    const path = fresh();
    const log = await AuditLog.open(path);
    const entry = await log.append({
      timestamp: '2030-01-01T00:00:00.000Z', agent: 'did:key:z', onBehalfOf: 'u', task: null, action: 'read',
      resource: 'files:/\uD800evil', decision: 'deny', reason: 'x', chain: [],
    });
    await log.close();
    expect(entry.record.resource).toBe('files:/\uFFFDevil');
    expect(await verifyAuditLog(path)).toHaveLength(1);
  });

  it('a lone surrogate escaped into a stored line is refused', async () => {
    const { lines } = await writeLog(1);
    broken(text([lines[0]!, lines[1]!.replace('"read"', '"\\ud800"')]), 'canonical_line', 2);
  });
});

describe('auditEntryLine and auditHeaderLine (core/internal, for stores other than the file)', () => {
  it('build the very lines the file log writes: the verifier accepts them, and a lone surrogate is stored as U+FFFD', () => {
    const header = auditHeaderLine('store-1', '2026-12-01T00:00:00.000Z');
    let prev = header.hash;
    const lines = [header.line];
    for (let i = 0; i < 3; i++) {
      const { entry, line } = auditEntryLine(i, prev, auditRecord({ agent: 'did:web:a.example', onBehalfOf: 'user:alice', task: null, action: 'read', resource: `files:/\ud800${i}`, decision: 'allow', reason: 'ok', chain: [] }));
      lines.push(line);
      prev = entry.hash;
    }
    const report = verifyAuditLinesReport(`${lines.join('\n')}\n`, { logId: 'store-1' });
    expect(report.head).toEqual({ seq: 2, hash: prev });
    expect(report.entries[0]!.record.resource).toBe('files:/\ufffd0');
    expect(() => auditHeaderLine('bad id!', '2026-12-01T00:00:00.000Z')).toThrow(TypeError);
  });

  it('a prevHash or seq that has no canonical form is refused as the definition refuses it (malformed_input), never written in another form', () => {
    const rec = auditRecord({ agent: 'did:web:a.example', onBehalfOf: 'user:alice', task: null, action: 'read', resource: 'files:/x', decision: 'allow', reason: 'ok', chain: [] });
    expectCode(() => auditEntryLine(0, 'ab\ud800', rec), 'malformed_input', 'canonicalize');
    expectCode(() => auditEntryLine(Number.NaN, 'ab', rec), 'malformed_input', 'canonicalize');
    expect(auditEntryLine(1, 'a"b\\', rec).line).toBe(canonicalize({ seq: 1, prevHash: 'a"b\\', hash: auditEntryLine(1, 'a"b\\', rec).entry.hash, record: JSON.parse(canonicalize(rec)) }));
  });

  it('property: the entry and line are those of the definition (record canonicalized with lone surrogates as U+FFFD, hash of {seq, prevHash, record}, line the canonical entry), for any members, keys and strings', () => {
    // The definition, written independently: every string of plain objects and arrays repaired, keys too.
    const repair = (v: unknown): unknown =>
      typeof v === 'string' ? v.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
      : Array.isArray(v) ? v.map(repair)
      : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [repair(k), repair(x)]))
      : v;
    const surrogateHeavy = fc.string({ unit: fc.oneof(fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)), fc.constantFrom('a', '"', '\\', '\n')), maxLength: 6 });
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), surrogateHeavy);
    const json = fc.letrec((tie) => ({ value: fc.oneof({ depthSize: 'small' }, text, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(text, tie('value'), { maxKeys: 3 })) })).value;
    fc.assert(
      fc.property(fc.nat(), fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString("hex")), fc.dictionary(text, json, { maxKeys: 4 }), text, (seq, prevHash, fields, resource) => {
        const input = { ...fields, resource, chain: [{ agent: resource, resources: [resource] }] } as unknown as AuditRecord;
        const record = JSON.parse(canonicalize(repair(input))) as AuditRecord;
        const hash = sha256Hex(canonicalize({ seq, prevHash, record }));
        const { entry, line } = auditEntryLine(seq, prevHash, input);
        expect(entry).toEqual({ seq, prevHash, hash, record });
        expect(line).toBe(canonicalize({ seq, prevHash, hash, record }));
      }),
      { numRuns: 500 },
    );
  });
});

describe('audit record times', () => {
  it('property: the timestamp is the clock time in toISOString form, within a second and across seconds, for any time the clock may give', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 253_402_300_799_999, noNaN: true }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 0, max: 999 }), (times, step) => {
        // Some times in one second, then others anywhere.
        for (const ms of [...times.map((t) => Math.floor(t / 1000) * 1000 + ((step * 7) % 1000)), ...times]) {
          const record = auditRecord({ agent: 'did:web:a.example', onBehalfOf: 'user:alice', task: null, action: 'read', resource: 'files:/x', decision: 'allow', reason: 'ok', chain: [] }, () => ms);
          expect(record.timestamp).toBe(new Date(ms).toISOString());
        }
      }),
      { numRuns: 200 },
    );
  });
});
