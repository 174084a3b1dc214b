import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuditEntry,
  AuditLog,
  type AuditRecord,
  AuditChainBrokenError,
  auditRecord,
  canonicalize,
  GENESIS_HASH,
  sha256Hex,
  manualClock,
  verifyAuditLines,
  verifyAuditLog,
} from '../src/index.js';
import { expectCode, expectCodeAsync } from './helpers.js';

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

async function writeLog(n: number): Promise<{ path: string; head: { seq: number; hash: string }; lines: string[] }> {
  const path = fresh();
  const log = await AuditLog.open(path);
  for (let i = 0; i < n; i++) await log.append(record(i));
  const head = log.head;
  await log.close();
  const lines = (await readFile(path, 'utf8')).split('\n').slice(0, -1);
  return { path, head, lines };
}

const text = (lines: string[]) => `${lines.join('\n')}\n`;

describe('AuditLog', () => {
  it('creates an owner-only file, appends hash-chained entries, and verifies', async () => {
    const { path, head, lines } = await writeLog(5);
    if (process.platform !== 'win32') expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(lines).toHaveLength(5);
    const entries = await verifyAuditLog(path, { expectedHead: head });
    expect(entries.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(entries[0]!.prevHash).toBe(GENESIS_HASH);
    expect(entries[1]!.prevHash).toBe(entries[0]!.hash);
    expect(head).toEqual({ seq: 4, hash: entries[4]!.hash });
    expect(entries[0]!.record.timestamp).toBe('2030-01-01T00:00:01.000Z');
    expect(entries[0]!.record.chain).toHaveLength(2);
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
    await expectCodeAsync(log.append({ ...record(2), extra: Number.NaN } as unknown as AuditRecord), 'malformed_input');
    const ok = await log.append(record(3));
    expect(ok.seq).toBe(1);
    await log.close();
    expect(await verifyAuditLog(path)).toHaveLength(2);
  });

  it('values with toJSON (a Date) hash as they are stored', async () => {
    const path = fresh();
    const log = await AuditLog.open(path);
    const withDate = { ...record(1), extra: new Date(0) } as unknown as AuditRecord;
    await log.append(withDate);
    await log.close();
    expect(await verifyAuditLog(path)).toHaveLength(1);
  });

  it('open() refuses a broken log', async () => {
    const { path, lines } = await writeLog(3);
    const edited = lines.map((l, i) => (i === 1 ? l.replace('"read"', '"write"') : l));
    await writeFile(path, text(edited));
    const e = await expectCodeAsync(AuditLog.open(path), 'audit_chain_broken', 'record_hash');
    expect((e as AuditChainBrokenError).line).toBe(2);
  });

  it('open() refuses a torn last line', async () => {
    const { path, lines } = await writeLog(2);
    await writeFile(path, `${text(lines)}${lines[0]!.slice(0, 20)}`);
    const e = await expectCodeAsync(AuditLog.open(path), 'audit_chain_broken', 'parse');
    expect((e as AuditChainBrokenError).line).toBe(3);
  });
});

describe('tamper detection', () => {
  let lines: string[];
  let head: { seq: number; hash: string };
  beforeAll(async () => {
    ({ lines, head } = await writeLog(6));
  });

  const broken = (t: string, check: string, line: number, opts = {}) => {
    const e = expectCode(() => verifyAuditLines(t, opts), 'audit_chain_broken', check) as AuditChainBrokenError;
    expect(e).toBeInstanceOf(AuditChainBrokenError);
    expect(e.line).toBe(line);
    expect(e.message).toContain(`line ${line}`);
  };

  it('accepts the untouched log, with or without trailing newline', () => {
    expect(verifyAuditLines(text(lines), { expectedHead: head })).toHaveLength(6);
    expect(verifyAuditLines(lines.join('\n'))).toHaveLength(6);
  });

  it('an edited record: line of the edit', () => {
    const edited = [...lines];
    edited[3] = edited[3]!.replace('files:/reports/3.pdf', 'files:/reports/4.pdf');
    expect(edited[3]).not.toBe(lines[3]);
    broken(text(edited), 'record_hash', 4);
    edited[3] = lines[3]!.replace('"deny"', '"allow"');
    broken(text(edited), 'record_hash', 4);
  });

  it('an edited record with a recomputed own hash: the next line breaks', () => {
    const edited = [...lines];
    const entry = JSON.parse(edited[2]!) as AuditEntry;
    entry.record.resource = 'files:/secrets/k';
    // Recompute the entry's own hash the way the log does (SHA-256 of the RFC 8785 form).
    entry.hash = sha256Hex(canonicalize({ seq: entry.seq, prevHash: entry.prevHash, record: entry.record }));
    edited[2] = JSON.stringify(entry);
    broken(text(edited), 'prev_hash', 4);
  });

  it('a deleted line', () => {
    broken(text([...lines.slice(0, 2), ...lines.slice(3)]), 'sequence', 3);
    broken(text(lines.slice(1)), 'sequence', 1);
  });

  it('two swapped lines', () => {
    const swapped = [...lines];
    [swapped[1], swapped[4]] = [swapped[4]!, swapped[1]!];
    broken(text(swapped), 'sequence', 2);
  });

  it('an inserted line (a copy, or a crafted entry with the right seq)', () => {
    broken(text([...lines.slice(0, 3), lines[2]!, ...lines.slice(3)]), 'sequence', 4);
    const crafted = JSON.parse(lines[3]!) as AuditEntry;
    broken(text([...lines.slice(0, 3), JSON.stringify({ ...crafted, prevHash: 'a'.repeat(64) }), ...lines.slice(3)]), 'prev_hash', 4);
  });

  it('garbage lines', () => {
    broken(text([lines[0]!, 'not json', ...lines.slice(1)]), 'parse', 2);
    broken(text([lines[0]!, '', ...lines.slice(1)]), 'parse', 2);
    broken(text([lines[0]!, '[1,2]', ...lines.slice(1)]), 'parse', 2);
    broken(text([lines[0]!, '{"seq":1,"prevHash":"x","hash":"y","record":5}', ...lines.slice(1)]), 'parse', 2);
  });

  it('truncation is detected against the expected head', () => {
    expect(verifyAuditLines(text(lines.slice(0, 4)))).toHaveLength(4);
    broken(text(lines.slice(0, 4)), 'head', 5, { expectedHead: head });
    broken('', 'head', 1, { expectedHead: head });
  });

  it('an empty log matches the head an empty AuditLog reports', async () => {
    const path = fresh();
    const log = await AuditLog.open(path);
    const emptyHead = log.head;
    await log.close();
    expect(emptyHead).toEqual({ seq: -1, hash: GENESIS_HASH });
    expect(await verifyAuditLog(path, { expectedHead: emptyHead })).toEqual([]);
  });

  it('non-string text is a caller bug', () => {
    expect(() => verifyAuditLines(undefined as unknown as string)).toThrow(TypeError);
  });
});

describe('attacker-chosen strings', () => {
  it('a lone surrogate in a record cannot stop it being logged', async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const path = join(await mkdtemp(join(tmpdir(), 'agent-id-audit-ws-')), 'a.jsonl');
    const log = await AuditLog.open(path);
    const entry = await log.append({
      timestamp: '2030-01-01T00:00:00.000Z', agent: 'did:key:z', onBehalfOf: 'u', task: null, action: 'read',
      resource: 'files:/\uD800evil', decision: 'deny', reason: 'x', chain: [],
    });
    await log.close();
    expect(entry.record.resource).toBe('files:/\uFFFDevil');
    expect(await verifyAuditLog(path)).toHaveLength(1);
  });
});
