import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type AuditEntry, isAgentIdError, patternWithin, verifyAuditLog } from '@agent-id/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ScenarioResult, runScenario } from '../src/scenario.js';
import type { StepResult } from '../src/steps.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

let result: ScenarioResult;
const step = (id: string): StepResult => {
  const s = result.steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id}`);
  return s;
};
const log = (org: string): AuditEntry[] => result.audit.find((a) => a.org === org)!.entries;

beforeAll(async () => {
  result = await runScenario({ outDir: await mkdtemp(join(tmpdir(), 'demo-test-')) });
}, 30_000);

describe('the scenario, run in-process', () => {
  it('meets every expectation and verifies both audit chains', () => {
    const failed = result.steps.filter((s) => !s.ok).map((s) => `${s.id}: expected ${s.expected}/${s.expectedCode} got ${s.actual}/${s.actualCode} (${s.reason})`);
    expect(failed).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.audit.map((a) => [a.org, a.chainVerified])).toEqual([
      ['acme', true],
      ['globex', true],
    ]);
  });

  it('allows a narrowed call at every hop, with the chain growing hop by hop', () => {
    const calls = ['orchestrator-call', 'researcher-call', 'analyst-call', 'quoter-call'].map(step);
    expect(calls.map((s) => s.actual)).toEqual(['allow', 'allow', 'allow', 'allow']);
    expect(calls.map((s) => s.chain?.length)).toEqual([2, 3, 3, 4]);
    expect(step('quoter-call').chain).toEqual(['acme (authority)', 'acme/orchestrator', 'globex/analyst', 'globex/quoter']);
    expect(step('quoter-call').verifier).toBe('globex/tools');
    for (const id of ['delegate-researcher', 'delegate-analyst', 'delegate-quoter']) expect(step(id).actual).toBe('delegated');
  });

  it('narrows at every delegation (each granted scope within its parent)', () => {
    const analyst = step('delegate-analyst').granted!;
    const quoter = step('delegate-quoter').granted!;
    expect(analyst.actions).toEqual(expect.arrayContaining(['read', 'quote']));
    expect(analyst.actions).not.toContain('write');
    for (const r of quoter.resources) expect(analyst.resources.some((p) => patternWithin(r, p))).toBe(true);
    for (const a of quoter.actions) expect(analyst.actions).toContain(a);
    expect(quoter.maxDepth).toBeLessThan(analyst.maxDepth);
    expect(step('delegate-researcher').granted).toMatchObject({ resources: ['crm:/customers/*'], actions: ['read'], maxDepth: 0 });
  });

  it('uses both token formats: Macaroon in the Acme branch, Biscuit across organisations', () => {
    expect(step('delegate-researcher').format).toBe('macaroon');
    expect(step('researcher-call').format).toBe('macaroon');
    expect(step('delegate-analyst').format).toBe('biscuit');
    expect(step('quoter-call').format).toBe('biscuit');
  });

  it('refuses over-reach, widening, forged and untrusted cards, and expiry, with their codes', () => {
    const refusals = Object.fromEntries(
      ['researcher-overreach', 'quoter-overreach', 'analyst-widens', 'card-untrusted', 'card-tampered', 'expired-call'].map((id) => [id, [step(id).actual, step(id).actualCode]]),
    );
    expect(refusals).toEqual({
      'researcher-overreach': ['deny', 'denied'],
      'quoter-overreach': ['deny', 'denied'],
      'analyst-widens': ['refused', 'scope_widened'],
      'card-untrusted': ['refused', 'untrusted_signer'],
      'card-tampered': ['refused', 'invalid_signature'],
      'expired-call': ['deny', 'expired'],
    });
    // The same short-lived token worked before the clock moved.
    expect(step('short-lived-call').actual).toBe('allow');
  });

  it('revocation stops the revoked branch at once while the other branch keeps working', () => {
    expect([step('revoked-call').actual, step('revoked-call').actualCode]).toEqual(['deny', 'revoked']);
    expect(step('analyst-after-revoke').actual).toBe('allow');
    expect(step('quoter-after-revoke').actual).toBe('allow');
    // In Acme's log the researcher's last record is the revoked refusal, after its earlier allow.
    const researcher = log('acme').filter((e) => e.record.agent === result.principals.agents.researcher);
    expect(researcher.map((e) => [e.record.decision, e.record.code ?? null])).toEqual([
      ['allow', null],
      ['deny', 'denied'],
      ['allow', null],
      ['deny', 'expired'],
      ['deny', 'revoked'],
    ]);
  });

  it('writes dual-principal audit records with the whole verified chain, in each domain', () => {
    const { user, acme, agents, services } = result.principals;
    const quoterAllows = log('globex').filter((e) => e.record.agent === agents.quoter && e.record.decision === 'allow');
    expect(quoterAllows).toHaveLength(2);
    for (const { record } of quoterAllows) {
      expect(record).toMatchObject({ onBehalfOf: user, task: 'task-q3-widget-pricing', action: 'quote', resource: 'inventory:/widgets/w-7', verifier: services.globex });
      expect(record.chain.map((h) => [h.from, h.to])).toEqual([
        [acme, agents.orchestrator],
        [agents.orchestrator, agents.analyst],
        [agents.analyst, agents.quoter],
      ]);
      expect(record.chain.at(-1)!.granted.actions).toEqual(['quote']);
    }
    for (const org of ['acme', 'globex']) {
      for (const { record } of log(org)) {
        expect(record.agent).toMatch(/^did:key:/);
        expect(record.onBehalfOf).toBe(user);
        expect(record.chain.length).toBeGreaterThanOrEqual(1);
        expect(record.chain[0]!.from).toBe(acme);
        if (record.decision === 'deny') expect(record.code).toBeTruthy();
      }
    }
    expect(log('acme')).toHaveLength(6);
    expect(log('globex')).toHaveLength(5);
  });

  it('leaves logs whose hash chains verify on disk, and a tampered copy does not', async () => {
    const acmeLog = result.audit.find((a) => a.org === 'acme')!;
    expect(await verifyAuditLog(acmeLog.path)).toHaveLength(acmeLog.entries.length);
    const copy = join(result.outDir, 'tampered.jsonl');
    await copyFile(acmeLog.path, copy);
    const text = await readFile(copy, 'utf8');
    await writeFile(copy, text.replace('"decision":"deny"', '"decision":"allow"'));
    const error = await verifyAuditLog(copy).catch((e: unknown) => e);
    expect(isAgentIdError(error, 'audit_chain_broken')).toBe(true);
  });

  it('never prints a whole token or key in the trace', () => {
    const text = result.trace.map((e) => e.text).join('\n');
    expect(text).not.toMatch(/[A-Za-z0-9_-]{120,}/);
    expect(text).not.toMatch(/"d"\s*:/);
  });
});

describe('node dist/main.js', () => {
  it('runs the whole demo as a process and exits 0 within 30 s', async () => {
    const main = join(root, 'dist', 'main.js');
    if (!existsSync(main)) await run(process.execPath, [join(root, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')]);
    const started = Date.now();
    const { stdout } = await run(process.execPath, [main], { timeout: 30_000 });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(stdout).toContain('OK: all 18 steps as expected');
    expect(stdout).toContain('hash chain verified');
  }, 40_000);
});
