import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type AuditEntry, isAgentIdError, patternWithin } from '@agent-id/core';
import { verifyAuditLog } from '@agent-id/core/node';
import type { AgentCard } from '@agent-id/a2a-cards';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScenarioResult, runScenario } from '../src/scenario.js';
import type { StepResult } from '../src/steps.js';
import { formatTraceEvent } from '../src/trace.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

let result: ScenarioResult & { stop: () => Promise<void> };
const step = (id: string): StepResult => {
  const s = result.steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id}`);
  return s;
};
const log = (org: string): AuditEntry[] => result.audit.find((a) => a.org === org)!.entries;

/** The printed line of the trace event of step `id` and kind `kind`. */
const line = (id: string, kind: string): string => {
  const events = result.trace.filter((e) => e.step === id && e.kind === kind);
  expect(events, `one ${kind} line for step ${id}`).toHaveLength(1);
  return formatTraceEvent(events[0]!);
};

/**
 * Every line is one the demo writes: a section heading, a trace line with its marker, a row of
 * the step table, or the verdict. Anything else (a runtime's start-up notice, a warning) is
 * not.
 */
const OWN_LINE = /^(== .+| {2}[·⇢▣↳✔✘⊘⏱≡] .+| {2}(PASS|FAIL) {2}.+|(OK|FAILED): .+)$/;
const nonEmpty = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');
const repeated = (lines: string[]): string[] => lines.filter((l, i) => lines.indexOf(l) !== i);

/** Whether `built` is missing or older than a file under src/ (then the process test would run stale code). */
async function builtBeforeItsSources(built: string): Promise<boolean> {
  if (!existsSync(built)) return true;
  const builtAt = (await stat(built)).mtimeMs;
  const sources = await readdir(join(root, 'src'), { recursive: true });
  for (const file of sources) if ((await stat(join(root, 'src', file))).mtimeMs > builtAt) return true;
  return false;
}

// The servers stay up until the end: the forged-card test reads a card the demo refused.
beforeAll(async () => {
  result = await runScenario({ outDir: await mkdtemp(join(tmpdir(), 'demo-test-')), keepRunning: true });
}, 240_000);
afterAll(() => result?.stop());

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
      ['allow', null],
    ]);
    expect(researcher.at(-2)!.record.reason).toMatch(/^revocation_token: /);
    // Decommissioned (act 7), its credential is refused: the record names no agent, since a proof
    // whose credential fails is not taken as anyone's (it could be a copy), but the chain ends at it.
    const decommissioned = log('acme').filter((e) => e.record.reason.startsWith('credential_status: '));
    expect(decommissioned.map((e) => [e.record.agent, e.record.decision, e.record.code, e.record.chain.at(-1)!.to])).toEqual([
      ['unverified', 'deny', 'revoked', result.principals.agents.researcher],
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
      // The token service's exchanges (act 8) are checked in their own section.
      for (const { record } of log(org).filter((e) => e.record.action !== 'token-exchange')) {
        // A replayed proof, or one whose credential is refused, proves no one's control of a key: its refusal names no agent.
        expect(record.agent).toMatch(record.code === 'replayed' || record.reason.startsWith('credential_status: ') ? /^unverified$/ : /^did:key:/);
        expect(record.onBehalfOf).toBe(user);
        expect(record.chain.length).toBeGreaterThanOrEqual(1);
        expect(record.chain[0]!.from).toBe(acme);
        if (record.decision === 'deny') expect(record.code).toBeTruthy();
      }
    }
    // Acme: 6 tool server records, then 6 of its MCP server and 1 of its orders API (act 6), then 3 of the decommissioning (act 7), then 4 of its token service (act 8).
    expect(log('acme')).toHaveLength(20);
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

describe("Acme decommissions the researcher: its credential is revoked in Acme's status list", () => {
  const statusList = (): string => result.urls['acme status list (revocation)']!;

  it('its valid token worked before, and is refused after, by the status check of its proof of control', () => {
    expect(step('delegate-fresh-hop')).toMatchObject({ actual: 'delegated', format: 'biscuit' });
    expect(step('fresh-hop-call')).toMatchObject({ actual: 'allow', actor: 'acme/researcher' });
    expect(step('decommissioned-call')).toMatchObject({
      ok: true,
      actual: 'deny',
      actualCode: 'revoked',
      actualCheck: 'credential_status',
      actor: 'acme/researcher',
      verifier: 'acme/tools',
      format: 'biscuit',
    });
    expect(line('decommissioned-call', 'deny')).toMatch(
      new RegExp(
        `^ {2}✘ acme/researcher: read crm:/customers/c-42 with its biscuit token → REFUSED by acme/tools, audit record 15: revoked \\(credential_status: credential status revocation entry \\d+ of ${statusList()} is set: revoked\\); chain acme \\(authority\\) → acme/orchestrator → acme/researcher; acting for acme/users/alice$`,
      ),
    );
  });

  it("its card's ownership check refuses the delegation, naming the status check; no token leaves", () => {
    expect(step('decommissioned-card')).toMatchObject({ ok: true, actual: 'refused', actualCode: 'revoked', actualCheck: 'credential_status', actor: 'acme/orchestrator', delegate: 'acme/researcher' });
    expect(step('decommissioned-card').granted).toBeUndefined();
    expect(line('decommissioned-card', 'refuse')).toBe(
      `  ✘ acme/orchestrator → acme/researcher: delegation REFUSED, its card at ${result.urls['acme/researcher card']} (served by acme) failed verification: ` +
        `revoked (credential_status: credential status revocation entry ${/revocation entry (\d+) of/.exec(line('decommissioned-call', 'deny'))![1]} of ${statusList()} is set: revoked)`,
    );
  });

  it('its sibling keeps working', () => {
    expect(step('sibling-call')).toMatchObject({ ok: true, actual: 'allow', actor: 'acme/orchestrator', verifier: 'acme/tools' });
    const last = log('acme')
      .filter((e) => e.record.action !== 'token-exchange')
      .at(-1)!.record;
    expect(last).toMatchObject({ agent: result.principals.agents.orchestrator, decision: 'allow' });
  });

  it('says how the revocation reached the verifiers: the list signed anew, and the clock moved past its ttl', () => {
    const texts = result.trace.map(formatTraceEvent);
    expect(texts).toContainEqual(
      expect.stringMatching(
        new RegExp(`^ {2}⊘ acme \\(authority\\): decommissioned acme/researcher: revoked its ownership credential \\(entry \\d+ of ${statusList()}, the list signed anew\\); its tokens are untouched$`),
      ),
    );
    expect(texts).toContain(
      "  ⏱ the injected clock moves 31 s forward, past the list's ttl (30 s): every verifier's cached copy is stale, and its next check fetches the list anew (no cache is cleared by hand)",
    );
  });

  it("serves each organisation's status list from its own did:web host, as a signed list credential", async () => {
    expect(statusList()).toBe(`${new URL(result.urls['acme DID document']!).origin}/status/revocation`);
    const response = await fetch(statusList());
    expect(response.headers.get('content-type')).toBe('application/vc+jwt');
    const [header, payload] = (await response.text()).split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString('utf8'))).toMatchObject({ typ: 'vc+jwt', kid: `${result.principals.acme}#key-1` });
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'))).toMatchObject({ id: statusList(), issuer: result.principals.acme, type: ['VerifiableCredential', 'BitstringStatusListCredential'] });
  });
});

describe('the trace names every party of a refusal', () => {
  it('a refused delegation names the delegator and the intended delegate', () => {
    expect(line('analyst-widens', 'refuse')).toBe(
      '  ✘ globex/analyst → globex/quoter: delegation REFUSED: scope_widened (actions: action "write" is not granted by the parent)',
    );
    expect(step('analyst-widens')).toMatchObject({ actor: 'globex/analyst', delegate: 'globex/quoter', cardUrl: result.urls['globex/quoter card'] });
  });

  it('a refused card names the delegate it claimed to reach, its URL and the organisation serving it', () => {
    const mallory = new URL(result.urls['mallory impostor card']!).origin;
    expect(line('card-untrusted', 'refuse')).toBe(
      `  ✘ acme/orchestrator → globex/analyst: delegation REFUSED, its card at ${mallory}/agents/analyst/.well-known/agent-card.json (served by mallory) failed verification: ` +
        'untrusted_signer (signer_trust: no signature on the card is by a trusted signer)',
    );
    expect(line('card-tampered', 'refuse')).toMatch(
      new RegExp(
        `^  ✘ acme/orchestrator → globex/analyst: delegation REFUSED, its card at ${mallory}/tampered/analyst/\\.well-known/agent-card\\.json \\(served by mallory\\) failed verification: invalid_signature \\(signature: `,
      ),
    );
    for (const id of ['card-untrusted', 'card-tampered']) {
      expect(step(id)).toMatchObject({ actor: 'acme/orchestrator', delegate: 'globex/analyst', cardUrl: expect.stringMatching(`^${mallory}/`) });
    }
  });

  it("names the tampered card's failing signature by its signer's key: Globex's, not the agent's", () => {
    const [, , kid] = /card signature (\d+) \((did:[^)\s]+)\)/.exec(line('card-tampered', 'refuse')) ?? [];
    expect(kid).toBe(`${result.principals.globex}#key-1`);
  });

  it('numbers card signatures from 1: signature N is the Nth on the card', async () => {
    const [, n, kid] = /card signature (\d+) \((did:[^)\s]+)\)/.exec(line('card-tampered', 'refuse'))!;
    const card = (await (await fetch(result.urls['mallory tampered card']!)).json()) as AgentCard;
    const kids = card.signatures!.map((s) => (JSON.parse(Buffer.from(s.protected, 'base64url').toString('utf8')) as { kid: string }).kid);
    expect(kids).toHaveLength(2);
    expect(kids[Number(n) - 1]).toBe(kid);
  });

  it('a refused tool call names the agent, the tool server, its audit record, the chain and the user', () => {
    expect(line('researcher-overreach', 'deny')).toMatch(
      /^ {2}✘ acme\/researcher: write reports:\/q3\/summary with its macaroon token → REFUSED by acme\/tools, audit record \d+: denied \(actions: .+\); chain acme \(authority\) → acme\/orchestrator → acme\/researcher; acting for acme\/users\/alice$/,
    );
  });

  it('counts audit records from 1, as the lines of each audit log, and names every record once', () => {
    for (const { org, entries } of result.audit) {
      const printed = result.trace
        .filter((e) => e.kind === 'allow' || e.kind === 'deny')
        .map((e) => new RegExp(`by ${org}/[a-z-]+, audit records? (\\d+)(?:–(\\d+))?`).exec(e.text))
        .filter((m) => m !== null)
        .flatMap((m) => {
          const [first, last] = [Number(m[1]), Number(m[2] ?? m[1])];
          return Array.from({ length: last - first + 1 }, (_, i) => first + i);
        });
      expect(printed).toEqual(entries.map((_, i) => i + 1));
    }
  });

  it('prints no line twice, and only lines of its own', () => {
    const lines = result.trace.map(formatTraceEvent).flatMap(nonEmpty);
    expect(repeated(lines)).toEqual([]);
    expect(lines.filter((l) => !OWN_LINE.test(l))).toEqual([]);
  });
});

describe('act 6: an MCP tool server called through the MCP SDK client, and the API its tool calls', () => {
  const MCP_STEPS = ['delegate-mcp', 'mcp-connect', 'mcp-list', 'mcp-call', 'mcp-downstream', 'mcp-refused', 'mcp-replayed'];
  const ALICE_CHAIN = 'chain acme \\(authority\\) → acme/orchestrator → globex/analyst; acting for acme/users/alice';

  it('allows the tool the token names, refuses the other tool and a replayed proof, with their codes', () => {
    expect(Object.fromEntries(MCP_STEPS.map((id) => [id, [step(id).actual, step(id).actualCode ?? null]]))).toEqual({
      'delegate-mcp': ['delegated', null],
      'mcp-connect': ['allow', null],
      'mcp-list': ['allow', null],
      'mcp-call': ['allow', null],
      'mcp-downstream': ['allow', null],
      'mcp-refused': ['deny', 'denied'],
      'mcp-replayed': ['deny', 'replayed'],
    });
    expect(step('delegate-mcp')).toMatchObject({ actor: 'acme/orchestrator', delegate: 'globex/analyst', format: 'biscuit' });
    expect(step('delegate-mcp').granted).toMatchObject({ actions: ['call', 'connect', 'read'], resources: ['api:/orders/c-42', 'mcp:orders', 'mcp:orders/tools/order_history'], maxDepth: 1 });
    expect(step('mcp-call')).toMatchObject({ actor: 'globex/analyst', verifier: 'acme/orders-mcp', chain: ['acme (authority)', 'acme/orchestrator', 'globex/analyst'] });
    expect(step('mcp-downstream')).toMatchObject({ actor: 'acme/orders-mcp', verifier: 'acme/orders-api', chain: ['acme (authority)', 'acme/orchestrator', 'globex/analyst', 'acme/orders-mcp'] });
  });

  it('traces each MCP request with its parties, the decision, its audit records and the chain', () => {
    expect(line('mcp-connect', 'allow')).toMatch(
      new RegExp(`^  ✔ globex/analyst → acme/orders-mcp: connect with the MCP SDK client \\(initialize, notifications/initialized; [^)]+\\) → ALLOWED by acme/orders-mcp, audit records 7–8 \\(${ALICE_CHAIN}\\)$`),
    );
    expect(line('mcp-list', 'allow')).toBe("  ✔ globex/analyst → acme/orders-mcp: tools/list → ALLOWED by acme/orders-mcp, audit record 9: it shows only order_history, of the server's order_history, refund_order");
    expect(line('mcp-downstream', 'delegate')).toMatch(
      /^ {2}↳ globex\/analyst → acme\/orders-mcp: new biscuit hop for the call's _meta, made offline and signed by globex\/analyst: call\+connect\+read on .+ \(depth 1\) ⟶ read on api:\/orders\/c-42 \(depth 0\), audience acme\/orders-api only, valid 300 s$/,
    );
    expect(line('mcp-call', 'allow')).toMatch(
      new RegExp(
        `^  ✔ globex/analyst → acme/orders-mcp: tools/call order_history \\{customer: c-42\\}, the hop in _meta → ALLOWED by acme/orders-mcp, audit record 10 \\(${ALICE_CHAIN}\\); the tool saw globex/analyst acting for acme/users/alice: 3 orders$`,
      ),
    );
    expect(line('mcp-downstream', 'allow')).toBe(
      '  ✔ acme/orders-mcp: read api:/orders/c-42 with the hop from globex/analyst and its own proof → ALLOWED by acme/orders-api, audit record 11 (chain acme (authority) → acme/orchestrator → globex/analyst → acme/orders-mcp; acting for acme/users/alice)',
    );
    expect(line('mcp-refused', 'deny')).toMatch(
      new RegExp(
        `^  ✘ globex/analyst → acme/orders-mcp: tools/call refund_order \\{order: o-1001\\} → REFUSED by acme/orders-mcp, audit record 12: 403 insufficient_scope, denied \\(resources: [^;]*"mcp:orders/tools/refund_order"\\); ${ALICE_CHAIN}$`,
      ),
    );
    expect(line('mcp-replayed', 'deny')).toMatch(
      new RegExp(
        `^  ✘ mallory → acme/orders-mcp: sends globex/analyst's order_history request again, byte for byte \\(same token, same DPoP proof\\) → REFUSED by acme/orders-mcp, audit record 13: 401 invalid_dpop_proof, replayed \\(jti: [^;]+\\); ${ALICE_CHAIN}$`,
      ),
    );
  });

  it("writes the MCP server's and the orders API's decisions into Acme's hash-chained log, naming the user, the acting agent and the whole chain", () => {
    const { user, acme, agents, services } = result.principals;
    const records = log('acme')
      .slice(6, 13)
      .map((e) => e.record);
    expect(records.map((r) => [r.verifier, r.http?.method, r.http?.path, r.action, r.resource, r.decision, r.code ?? null])).toEqual([
      [services.ordersMcp, 'POST', '/mcp', 'connect', 'mcp:orders', 'allow', null],
      [services.ordersMcp, 'POST', '/mcp', 'connect', 'mcp:orders', 'allow', null],
      [services.ordersMcp, 'POST', '/mcp', 'connect', 'mcp:orders', 'allow', null],
      [services.ordersMcp, 'POST', '/mcp', 'call', 'mcp:orders/tools/order_history', 'allow', null],
      [services.ordersApi, 'GET', '/orders/c-42', 'read', 'api:/orders/c-42', 'allow', null],
      [services.ordersMcp, 'POST', '/mcp', 'call', 'mcp:orders/tools/refund_order', 'deny', 'denied'],
      [services.ordersMcp, 'POST', '/mcp', 'call', 'mcp:orders/tools/order_history', 'deny', 'replayed'],
    ]);
    const toAnalyst = [
      [acme, agents.orchestrator],
      [agents.orchestrator, agents.analyst],
    ];
    for (const r of records) expect(r).toMatchObject({ onBehalfOf: user, task: 'task-c42-order-history' });
    // The MCP server's records: the analyst acted (but no one proved control of a key with a replayed proof).
    const byServer = records.filter((r) => r.verifier === services.ordersMcp);
    expect(byServer.map((r) => r.agent)).toEqual([...Array(5).fill(agents.analyst), 'unverified']);
    for (const r of byServer) expect(r.chain.map((h) => [h.from, h.to])).toEqual(toAnalyst);
    // The orders API's record: the MCP server acted, for Alice, through the analyst's hop addressed to it.
    const api = records.find((r) => r.verifier === services.ordersApi)!;
    expect(api.agent).toBe(agents.ordersMcp);
    expect(api.chain.map((h) => [h.from, h.to])).toEqual([...toAnalyst, [agents.analyst, agents.ordersMcp]]);
    expect(api.chain.at(-1)!.granted).toMatchObject({ audience: [services.ordersApi], resources: ['api:/orders/c-42'], actions: ['read'], maxDepth: 0 });
  });
});

describe('act 8: a login becomes a capability at the token service, and a narrowed hop an OAuth access token', () => {
  const OAUTH_STEPS = ['oidc-login', 'exchange-over-consent', 'exchange-login', 'delegate-oauth', 'exchange-access', 'exchange-other-api', 'oauth-api-call', 'oauth-api-refund'];
  const exchanges = () => log('acme').filter((e) => e.record.action === 'token-exchange');

  it('bridges both ways: login → root capability within her consent; hop → access token for the API it names; the OAuth-only API takes it', () => {
    expect(Object.fromEntries(OAUTH_STEPS.map((id) => [id, [step(id).ok, step(id).actual, step(id).actualCode ?? null]]))).toEqual({
      'oidc-login': [true, 'allow', null],
      'exchange-over-consent': [true, 'deny', 'scope_widened'],
      'exchange-login': [true, 'allow', null],
      'delegate-oauth': [true, 'delegated', null],
      'exchange-access': [true, 'allow', null],
      'exchange-other-api': [true, 'deny', 'wrong_audience'],
      'oauth-api-call': [true, 'allow', null],
      'oauth-api-refund': [true, 'deny', 'denied'],
    });
    expect(step('exchange-over-consent').actualCheck).toBe('consent');
    expect(step('delegate-oauth')).toMatchObject({ actor: 'acme/orchestrator', delegate: 'globex/analyst', format: 'biscuit' });
    expect(step('delegate-oauth').granted).toMatchObject({ resources: ['api:/orders/*'], actions: ['read'], maxDepth: 0 });
    expect(step('exchange-access')).toMatchObject({ actor: 'globex/analyst', verifier: 'acme/token-service', chain: ['acme (authority)', 'acme/orchestrator', 'globex/analyst'] });
  });

  it("audits every exchange in Acme's hash-chained log: who, for whom, from what to what", () => {
    const { user, acme, agents } = result.principals;
    const records = exchanges().map((e) => e.record);
    expect(records.map((r) => [r.agent, r.decision, r.code ?? null])).toEqual([
      [agents.orchestrator, 'deny', 'scope_widened'],
      [agents.orchestrator, 'allow', null],
      [agents.analyst, 'allow', null],
      [agents.analyst, 'deny', 'wrong_audience'],
    ]);
    expect(records.map((r) => r.reason)).toEqual([
      'scope: consent',
      expect.stringMatching(/^id_token of http:\/\/127\.0\.0\.1:\d+ exchanged for a biscuit capability \(scopes orders\.read\)$/),
      expect.stringMatching(/^biscuit capability \(2 hops from did:web:.+\) exchanged for an access token \(scopes orders\.read\)$/),
      'target: audience',
    ]);
    expect(new Set(records.map((r) => r.verifier)).size).toBe(1);
    expect(records.slice(0, 3).map((r) => r.onBehalfOf)).toEqual([user, user, user]);
    expect(records[1]!.chain.map((h) => [h.from, h.to])).toEqual([[acme, agents.orchestrator]]);
    expect(records[2]!.chain.map((h) => [h.from, h.to])).toEqual([
      [acme, agents.orchestrator],
      [agents.orchestrator, agents.analyst],
    ]);
    expect(records[2]!.resource).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/orders-api$/);
  });

  it('traces the login, each exchange and the API calls with their parties, audit records and what the API saw', () => {
    expect(line('oidc-login', 'allow')).toMatch(/^ {2}✔ acme\/users\/alice → acme\/login: signs in through its login and consent pages .+ her ID token: RS256, iss acme\/login, aud acme-agents, sub alice, valid 60 min$/);
    expect(line('exchange-over-consent', 'deny')).toMatch(/→ REFUSED by acme\/token-service, audit record 17: 400 invalid_scope, scope_widened \(consent: the user did not consent to scope "orders\.refund" for this agent\)$/);
    expect(line('exchange-login', 'allow')).toMatch(
      /^ {2}✔ acme\/orchestrator → acme\/token-service: exchanges Alice's ID token for orders\.read → ALLOWED by acme\/token-service, audit record 18: a Biscuit held by acme\/orchestrator, signed with acme \(authority\)'s root key, for acme\/users\/alice: read on api:\/orders\/\* \(depth 2\), audience acme\/orders-oauth-api, valid \d+ s/,
    );
    expect(line('exchange-access', 'allow')).toMatch(/audit record 19: at\+jwt, sub acme\/users\/alice, client_id globex\/analyst, act globex\/analyst ← acme\/orchestrator, scope orders\.read, cnf\.jkt of its key, valid \d+ s$/);
    expect(line('exchange-other-api', 'deny')).toMatch(/acme\/invoices-oauth-api, which its hop does not name → REFUSED by acme\/token-service, audit record 20: 400 invalid_target, wrong_audience \(/);
    expect(line('oauth-api-call', 'allow')).toMatch(/ALLOWED by acme\/orders-oauth-api \(jose: .+\): 2 orders; it saw sub acme\/users\/alice, client_id globex\/analyst, act globex\/analyst ← acme\/orchestrator$/);
    expect(line('oauth-api-refund', 'deny')).toMatch(/REFUSED by acme\/orders-oauth-api: 403 insufficient_scope \(this needs scope orders\.refund\)$/);
  });
});

describe('node dist/main.js', () => {
  let stdout = '';
  let stderr = '';
  beforeAll(async () => {
    const main = join(root, 'dist', 'main.js');
    if (await builtBeforeItsSources(main)) await run(process.execPath, [join(root, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')]);
    // A few seconds alone; the timeout only catches a hang (CI runs this beside Chromium suites).
    ({ stdout, stderr } = await run(process.execPath, [main], { timeout: 120_000 }));
  }, 240_000);

  it('runs the whole demo as a process and exits 0', () => {
    expect(stdout).toContain('OK: all 38 steps as expected, 2 audit chains verified');
    expect(stdout).toMatch(/≡ acme: .*acme-audit\.jsonl: 20 records \(12 allow, 8 deny\), hash chain verified up to the checkpoint acme\/tools signed at record 20$/m);
    expect(stdout).toMatch(/≡ globex: .*globex-audit\.jsonl: 5 records \(4 allow, 1 deny\), hash chain verified up to the checkpoint globex\/tools signed at record 5$/m);
  });

  it('names the intended delegate of the refused delegation, and the refused cards with their URL and server', () => {
    const mallory = /· mallory: Mallory \(impostor\) is up at (http:\/\/127\.0\.0\.1:\d+);/.exec(stdout)?.[1];
    expect(mallory).toBeDefined();
    expect(stdout).toContain('  ✘ globex/analyst → globex/quoter: delegation REFUSED: scope_widened (');
    expect(stdout).toContain(`  ✘ acme/orchestrator → globex/analyst: delegation REFUSED, its card at ${mallory}/agents/analyst/.well-known/agent-card.json (served by mallory) failed verification: untrusted_signer (`);
    expect(stdout).toContain(`  ✘ acme/orchestrator → globex/analyst: delegation REFUSED, its card at ${mallory}/tampered/analyst/.well-known/agent-card.json (served by mallory) failed verification: invalid_signature (`);
    expect(stdout).not.toMatch(/delegation REFUSED: (untrusted_signer|invalid_signature)/);
  });

  it('stops quietly with exit 0 when its reader closes the pipe early (`pnpm demo | head`)', async () => {
    const child = spawn(process.execPath, [join(root, 'dist', 'main.js')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let childErr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      childErr += chunk.toString();
    });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, stderr: childErr }).toEqual({ code: 0, stderr: '' });
  }, 120_000);

  it('numbers no signature from 0', () => {
    expect(stdout).toMatch(/card signature \d+ \(/);
    expect(stdout).not.toMatch(/signature 0\b/);
  });

  it('prints every line once, and nothing but its own lines: no runtime notice such as "biscuit-wasm loading"', () => {
    const lines = nonEmpty(stdout);
    expect(repeated(lines)).toEqual([]);
    expect(lines.filter((l) => !OWN_LINE.test(l))).toEqual([]);
    expect(stdout).not.toMatch(/biscuit-wasm|loading|WebAssembly|warm/i);
    expect(stderr).toBe('');
  });
});
