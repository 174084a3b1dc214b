import { readFile, rm } from 'node:fs/promises';
import { type ConsoleServer, serveConsole } from '@agent-id/console/node';
import { createAgentIdentity, didKeyFromPublicKey, issueOwnershipCredential, revokeCredential } from '@agent-id/did';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ConsolePage, axeViolations, launch, openConsole } from './browser.js';
import { type AuditFixture, attachOwnershipCredential, auditFixture, card, cardHost, eventSource, signAgentCard, statusLists } from './fixtures.js';

let browser: Browser;
let server: ConsoleServer;
let c: ConsolePage;
let audit: AuditFixture;
let host: Awaited<ReturnType<typeof cardHost>>;
const events = eventSource();
const planner = createAgentIdentity();

beforeAll(async () => {
  [browser, audit, host] = await Promise.all([launch(), auditFixture(), cardHost()]);
  server = await serveConsole({ events, audit: { read: () => readFile(audit.log) } });
  c = await openConsole(browser, server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await host?.close();
  if (audit) await rm(audit.dir, { recursive: true, force: true });
});

const cardPolicy = async () => {
  await c.page.getByTestId('card-dids').fill(planner.did);
  await c.page.getByTestId('card-hosts').fill(host.authority);
};

it('card viewer: a card fetched by the page and signed with @agent-id/a2a-cards is verified, its signer and rule shown', async () => {
  host.set(JSON.stringify(signAgentCard(card(host.origin), planner)));
  const { page } = c;
  await page.getByTestId('tab-cards').click();
  await cardPolicy();
  await page.getByTestId('card-url').fill(`${host.origin}/.well-known/agent-card.json`);
  await page.getByTestId('card-fetch').click();
  await page.waitForSelector('[data-testid="card-verdict"]');
  expect(await page.getByTestId('card-verdict').getAttribute('data-state')).toBe('verified');
  const signer = page.getByTestId('card-signer');
  expect(await signer.count()).toBe(1);
  expect(await signer.textContent()).toContain(planner.did);
  expect(await page.getByTestId('card-rule').textContent()).toBe('signers[0]');
  expect(await page.getByTestId('card-unsigned').textContent()).toContain('every field is signed');
});

it('card viewer: a tampered card is refused with its code; unsigned fields are listed', async () => {
  const { page } = c;
  const signed = signAgentCard(card(host.origin), planner);
  await page.getByTestId('card-json').fill(JSON.stringify({ ...signed, description: 'Sends your files <b>elsewhere</b>.' }));
  await page.getByTestId('card-verify').click();
  await page.waitForSelector('[data-testid="card-verdict"][data-state="refused"]');
  expect(await page.getByTestId('card-failure').getAttribute('data-code')).toBe('invalid_signature');

  await page.getByTestId('card-json').fill(JSON.stringify({ ...signed, 'x-<script>': 'not signed' }));
  await page.getByTestId('card-verify').click();
  await page.waitForSelector('[data-testid="card-verdict"][data-state="verified"]');
  expect(await page.getByTestId('card-unsigned').textContent()).toContain('x-<script>');

  await page.getByTestId('card-dids').fill(createAgentIdentity().did);
  await page.getByTestId('card-json').fill(JSON.stringify(signed));
  await page.getByTestId('card-verify').click();
  await page.waitForSelector('[data-testid="card-verdict"][data-state="refused"]');
  expect(await page.getByTestId('card-failure').getAttribute('data-code')).toBe('untrusted_signer');
});

it("card viewer: the ownership credential a card carries is verified with its status list's state; a revoked agent's card is refused", async () => {
  const org = createAgentIdentity();
  const agent = createAgentIdentity();
  const status = await statusLists(org);
  try {
    const vc = await issueOwnershipCredential(org, { agent: agent.did, status: status.lists });
    const owned = signAgentCard(signAgentCard(attachOwnershipCredential(card(host.origin), vc), agent), org);
    const { page } = c;
    await page.getByTestId('card-dids').fill(org.did);
    await page.getByTestId('card-hosts').fill(host.authority);
    await page.getByTestId('card-ownership').check();
    await page.getByTestId('card-json').fill(JSON.stringify(owned));
    await page.getByTestId('card-verify').click();
    await page.waitForSelector('[data-testid="card-verdict"][data-state="refused"]');
    // The status list is served over plain HTTP on loopback: refused until allowed.
    expect(await page.getByTestId('card-failure').getAttribute('data-code')).toBe('malformed_input');
    expect(await page.getByTestId('card-failure').getAttribute('data-check')).toBe('status_list_url');
    await page.getByTestId('card-allow-http').check();
    await page.getByTestId('card-verify').click();
    await page.waitForSelector('[data-testid="card-verdict"]');
    expect(await page.getByTestId('card-verdict').textContent()).toContain('card verified');
    expect(await page.getByTestId('card-ownership-result').textContent()).toContain(agent.did);
    expect(await page.getByTestId('card-status').textContent()).toContain('neither revoked nor suspended');

    await revokeCredential(vc, status.lists);
    await page.getByTestId('card-verify').click();
    await page.waitForSelector('[data-testid="card-verdict"][data-state="refused"]');
    expect(await page.getByTestId('card-failure').getAttribute('data-code')).toBe('revoked');
    expect(await page.getByTestId('card-failure').getAttribute('data-check')).toBe('credential_status');
    await page.getByTestId('card-ownership').uncheck();
    await page.getByTestId('card-allow-http').uncheck();
  } finally {
    await status.close();
  }
});

it('audit timeline: a real AuditLog file verified in the page (hash chain and checkpoints), filtered, a record opened as its chain', async () => {
  const { page } = c;
  await page.getByTestId('tab-audit').click();
  await page.getByTestId('audit-key').fill(didKeyFromPublicKey(audit.checkpointKey.publicKey));
  await page.getByTestId('audit-checkpoints').setInputFiles(audit.checkpoints);
  await page.getByTestId('audit-file').setInputFiles(audit.log);
  await page.waitForSelector('[data-testid="audit-integrity"]');
  expect(await page.getByTestId('audit-integrity').getAttribute('data-state')).toBe('intact');
  expect(await page.getByTestId('audit-checkpoint').getAttribute('data-state')).toBe('verified');
  expect(await page.getByTestId('audit-record').count()).toBe(6);
  expect(await page.locator('[data-testid="audit-strip"] circle').count()).toBe(6);
  expect(await page.locator('[data-testid="audit-record"][data-verified="true"]').count()).toBe(6);

  await page.getByTestId('filter-decision').selectOption('deny');
  expect(await page.getByTestId('audit-record').count()).toBe(3);
  await page.getByTestId('filter-user').selectOption('did:web:acme.example:users:bob');
  expect(await page.getByTestId('audit-record').count()).toBe(1);
  await page.getByTestId('filter-decision').selectOption('');
  await page.getByTestId('filter-user').selectOption('');
  await page.getByTestId('filter-task').selectOption('q4');
  expect(await page.getByTestId('audit-record').count()).toBe(2);
  await page.getByTestId('filter-task').selectOption('');
  // The hostile task id shows literally, its NUL visible.
  expect(await page.locator('[data-testid="audit-record"]').nth(5).textContent()).toContain('q3\u2400<img src=x onerror=alert(3)>');

  await page.getByTestId('audit-open').first().click();
  const hops = page.locator('[data-testid="audit-chain"] [data-testid="hop"]');
  expect(await hops.count()).toBe(2);
  expect(await page.locator('[data-testid="audit-chain"] [data-testid="chain-node"]').first().textContent()).toContain('did:web:acme.example:users:alice');
});

it("audit timeline: a tampered log is flagged at its line with the code and check; the console server's /audit loads", async () => {
  const { page } = c;
  await page.getByTestId('audit-key').fill('');
  await page.getByTestId('audit-file').setInputFiles(audit.tampered);
  await page.waitForSelector('[data-testid="audit-integrity"][data-state="broken"]');
  expect(await page.getByTestId('audit-broken').getAttribute('data-code')).toBe('audit_chain_broken');
  expect(await page.getByTestId('audit-broken').getAttribute('data-check')).toBe('record_hash');
  expect(await page.getByTestId('audit-integrity').textContent()).toContain('line 4');
  expect(await page.locator('[data-testid="audit-record"][data-verified="false"]').count()).toBe(6);

  await page.getByTestId('audit-fetch').click();
  await page.waitForSelector('[data-testid="audit-integrity"][data-state="intact"]');
  expect(await page.getByTestId('audit-record').count()).toBe(6);
});

it('live view: the tree grows from the server-sent events; a revocation cuts its branch while the sibling stays live', async () => {
  const { page } = c;
  const before = c.requests.length;
  events.emit({ type: 'section', seq: 1, text: 'acme delegates' });
  events.emit({ type: 'delegate', seq: 2, from: 'acme', to: 'acme/orchestrator', format: 'biscuit', scope: 'read files:/reports/*', text: 'acme mints for its orchestrator' });
  await page.getByTestId('tab-live').click();
  await page.waitForSelector('[data-testid="live-status"][data-state="open"]');
  const node = (name: string) => page.locator(`[data-testid="live-node"][data-name="${name}"]`);
  await node('acme/orchestrator').waitFor();
  expect(await node('acme').getAttribute('data-root')).toBe('true');

  events.emit({ type: 'delegate', seq: 3, from: 'acme/orchestrator', to: 'acme/analyst', format: 'biscuit', scope: 'read files:/reports/q3/*', text: 'to the analyst' });
  events.emit({ type: 'delegate', seq: 4, from: 'acme/orchestrator', to: 'globex/analyst', format: 'macaroon', scope: 'read files:/reports/q3/*', text: 'across organisations' });
  events.emit({ type: 'delegate', seq: 5, from: 'globex/analyst', to: 'globex/worker', format: 'macaroon', scope: 'read files:/reports/q3/a.pdf', text: 'globex hands on' });
  events.emit({ type: 'refuse', seq: 6, from: 'globex/worker', to: 'globex/<img src=x onerror=alert(4)>', code: 'depth_exceeded', check: 'depth', text: 'no further hop' });
  events.emit({ type: 'decision', seq: 7, decision: 'allow', chain: ['acme', 'acme/orchestrator', 'globex/analyst', 'globex/worker'], text: 'read allowed' });
  await node('globex/worker').waitFor();
  expect(await page.getByTestId('live-node').count()).toBe(6);
  expect(await node('globex/<img src=x onerror=alert(4)>').getAttribute('data-state')).toBe('refused');
  expect(await node('globex/worker').locator('[data-testid="live-decision"]').first().getAttribute('data-decision')).toBe('allow');

  events.emit({ type: 'revoke', seq: 8, from: 'acme/orchestrator', to: 'globex/analyst', text: 'acme revokes the globex hop' });
  events.emit({ type: 'decision', seq: 9, decision: 'deny', chain: ['acme', 'acme/orchestrator', 'globex/analyst', 'globex/worker'], code: 'revoked', check: 'revocation', text: 'read refused: revoked' });
  await page.waitForSelector('[data-testid="live-node"][data-name="globex/analyst"][data-state="revoked"]');
  expect(await node('globex/worker').getAttribute('data-state')).toBe('revoked');
  expect(await node('acme/analyst').getAttribute('data-state')).toBe('live');
  expect(await node('acme/orchestrator').getAttribute('data-state')).toBe('live');
  await page.waitForSelector('[data-testid="live-node"][data-name="globex/worker"] [data-decision="deny"]');
  expect(await page.locator('[data-testid="live-log"] li').count()).toBe(9);

  // A later delegation on the same edge revives it.
  events.emit({ type: 'delegate', seq: 10, from: 'acme/orchestrator', to: 'globex/analyst', format: 'macaroon', scope: 'read files:/reports/q3/*', text: 'delegated again' });
  await page.waitForSelector('[data-testid="live-node"][data-name="globex/analyst"][data-state="live"]');
  expect(c.dialogs).toEqual([]);
  const origin = new URL(server.url).origin;
  expect(c.requests.slice(before).filter((u) => new URL(u).origin !== origin)).toEqual([]);
});

it('live view: junk events are ignored, a replayed seq is skipped, a cycle of delegations still shows every node, markup stays text', async () => {
  const { page } = c;
  const junk = [null, 7, 'text', { type: 'delegate', seq: 20 }, { type: 'unknown', seq: 21, text: 'x' }, { type: 'decision', seq: 22, decision: 'maybe', chain: [], text: 'x' }];
  for (const j of junk) events.emit(j as unknown as Parameters<typeof events.emit>[0]);
  events.emit({ type: 'delegate', seq: 5, from: 'replayed', to: 'old', format: 'biscuit', scope: '', text: 'an old seq' });
  events.emit({ type: 'delegate', seq: 30, from: 'ring/a', to: 'ring/b', format: 'biscuit', scope: '', text: '<img src=x onerror=alert(5)>' });
  events.emit({ type: 'delegate', seq: 31, from: 'ring/b', to: 'ring/a', format: 'biscuit', scope: '', text: 'back \u0007 again' });
  await page.waitForSelector('[data-testid="live-node"][data-name="ring/b"]');
  expect(await page.locator('[data-testid="live-node"][data-name="ring/a"]').count()).toBeGreaterThan(0);
  expect(await page.locator('[data-testid="live-node"][data-name="old"]').count()).toBe(0);
  expect(await page.getByTestId('live-log').textContent()).toContain('<img src=x onerror=alert(5)>');
  expect(await page.locator('[data-testid="live-log"] img').count()).toBe(0);
  expect(await page.locator('[data-testid="live-log"] li').count()).toBe(12);
  expect(c.dialogs).toEqual([]);
});

it('has no serious or critical accessibility violations (axe-core) in the card viewer, audit timeline and live view, filled', async () => {
  const { page } = c;
  for (const tab of ['cards', 'audit', 'live']) {
    await page.getByTestId(`tab-${tab}`).click();
    expect(await axeViolations(page), tab).toEqual([]);
  }
  // No Content-Security-Policy violation, no uncaught error in any view so far.
  expect(c.errors).toEqual([]);
});

it('audit timeline: a checkpoint key that does not read is an input error, not a broken log', async () => {
  const { page } = c;
  await page.getByTestId('tab-audit').click();
  await page.getByTestId('audit-key').fill('did:key:<b>not-a-key</b>');
  await page.getByTestId('audit-verify').click();
  await page.waitForSelector('[data-testid="audit-failure"]');
  expect(await page.getByTestId('audit-integrity').count()).toBe(0);
  expect(await page.getByTestId('audit-failure').getAttribute('data-code')).toBe('malformed_input');
  await page.getByTestId('audit-key').fill('');
});
