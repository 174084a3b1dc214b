import { readFile, writeFile } from 'node:fs/promises';
import { AuditLog, auditRecord } from '@agent-id/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliJson, noStack, tempDir } from './helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let head: { seq: number; hash: string };
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
});

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
  });

  it('verify: detects an edited line, and says which', async () => {
    const lines = (await readFile(tmp.path('audit.jsonl'), 'utf8')).split('\n');
    lines[1] = lines[1]!.replace('"decision":"deny"', '"decision":"allow"');
    await writeFile(tmp.path('edited.jsonl'), lines.join('\n'));
    const r = await cliJson<{ ok: boolean; intact: boolean; line: number; error: { code: string; check: string } }>(['audit', 'verify', tmp.path('edited.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ ok: false, intact: false, line: 2, error: { code: 'audit_chain_broken', check: 'record_hash' } });
    expect(r.stderr).toContain('line 2');
    expect(noStack(r)).toBe(true);

    const shown = await cli(['audit', 'show', tmp.path('edited.jsonl')]);
    expect(shown.code).toBe(1);
  });

  it('verify: detects a removed line and, against --head, a truncated tail', async () => {
    const lines = (await readFile(tmp.path('audit.jsonl'), 'utf8')).split('\n');
    await writeFile(tmp.path('removed.jsonl'), [lines[0], ...lines.slice(2)].join('\n'));
    await writeFile(tmp.path('truncated.jsonl'), `${lines.slice(0, 3).join('\n')}\n`);
    const [removed, truncated, unnoticed] = await Promise.all([
      cliJson<{ line: number; error: { code: string } }>(['audit', 'verify', tmp.path('removed.jsonl')]),
      cliJson<{ error: { code: string; check: string } }>(['audit', 'verify', tmp.path('truncated.jsonl'), '--head', `${head.seq}:${head.hash}`]),
      cliJson<{ ok: boolean }>(['audit', 'verify', tmp.path('truncated.jsonl')]),
    ]);
    expect(removed.code).toBe(1);
    expect(removed.json.line).toBe(2);
    expect(truncated.code).toBe(1);
    expect(truncated.json.error).toMatchObject({ code: 'audit_chain_broken', check: 'head' });
    expect(unnoticed.code).toBe(0);
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
    const [missing, badHead, badDecision] = await Promise.all([
      cli(['audit', 'verify', tmp.path('nope.jsonl')]),
      cli(['audit', 'verify', tmp.path('audit.jsonl'), '--head', 'latest']),
      cli(['audit', 'show', tmp.path('audit.jsonl'), '--decision', 'maybe']),
    ]);
    for (const r of [missing, badHead, badDecision]) {
      expect(r.code).toBe(2);
      expect(noStack(r)).toBe(true);
    }
    expect(missing.stderr).toContain('no such file');
  });
});
