import { readFile, readdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONSOLE_CSP } from '@agent-id/console';
import { KeyPair, base64urlEncode } from '@agent-id/core';
import { createAgentIdentity, didKeyFromPublicKey } from '@agent-id/did';
import { type ConsoleServer, serveConsole } from '@agent-id/console/node';
import { attenuate, mintCapability } from '@agent-id/tokens';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ConsolePage, axeViolations, launch, openConsole } from './browser.js';

let browser: Browser;
let server: ConsoleServer;
let c: ConsolePage;

const orgKey = KeyPair.generate();
const [a0, a1, a2, a3] = [0, 1, 2, 3].map(() => createAgentIdentity()) as [ReturnType<typeof createAgentIdentity>, ReturnType<typeof createAgentIdentity>, ReturnType<typeof createAgentIdentity>, ReturnType<typeof createAgentIdentity>];
const now = Math.floor(Date.now() / 1000);
let token: string;

beforeAll(async () => {
  let t = await mintCapability(
    {
      resources: ['files:/reports/*'],
      actions: ['read', 'write'],
      audience: ['did:web:files.example'],
      expiresAt: now + 3600,
      maxDepth: 3,
      holder: a0.did,
      onBehalfOf: 'did:web:acme.example:users:alice',
      task: 'q3',
    },
    { format: 'biscuit', rootKey: orgKey, issuer: 'did:web:acme.example' },
  );
  t = await attenuate(t, { to: a1.did, signer: a0.keyPair, trustedRoots: orgKey.publicKey, narrowing: { actions: ['read'] } });
  t = await attenuate(t, { to: a2.did, signer: a1.keyPair, trustedRoots: orgKey.publicKey, narrowing: { resources: ['files:/reports/q3/*'] } });
  t = await attenuate(t, { to: a3.did, signer: a2.keyPair, trustedRoots: orgKey.publicKey, narrowing: { expiresAt: now + 600 } });
  token = t.serialize();
  [browser, server] = await Promise.all([launch(), serveConsole()]);
  c = await openConsole(browser, server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function inspect(tokenText: string, roots: string): Promise<void> {
  await c.page.getByTestId('tab-inspector').click();
  await c.page.getByTestId('token-input').fill(tokenText);
  await c.page.getByTestId('roots-input').fill(roots);
  await c.page.getByTestId('inspect-button').click();
  await c.page.waitForSelector('[data-testid="verify-status"]:not([data-state="pending"]), [data-testid="inspect-failure"]');
}

it('draws a real 3-hop Biscuit chain from user and organisation to the last agent, each hop verified against the given root', async () => {
  await inspect(token, didKeyFromPublicKey(orgKey.publicKey));
  const { page } = c;
  expect(await page.getByTestId('token-format').textContent()).toBe('biscuit');
  expect(await page.getByTestId('verify-status').getAttribute('data-state')).toBe('verified');
  const nodes = await page.locator('[data-testid="chain"] [data-testid="chain-node"]').allTextContents();
  expect(nodes).toHaveLength(6);
  expect(nodes[0]).toContain('did:web:acme.example:users:alice');
  expect(nodes[1]).toContain('did:web:acme.example');
  expect(nodes[5]).toContain(a3.did);
  const hops = page.locator('[data-testid="chain"] [data-testid="hop"]');
  expect(await hops.count()).toBe(4);
  for (let i = 0; i < 4; i++) expect(await hops.nth(i).getAttribute('data-verified')).toBe('verified');
  expect(await hops.nth(0).getByTestId('hop-actions').textContent()).toBe('readwrite');
  expect(await hops.nth(1).getByTestId('hop-actions').textContent()).toBe('read');
  expect(await hops.nth(1).getByTestId('hop-narrowed').textContent()).toContain('actions: read, write → read');
  expect(await hops.nth(2).getByTestId('hop-resources').textContent()).toBe('files:/reports/q3/*');
  expect(await hops.nth(2).getByTestId('hop-narrowed').textContent()).toContain('resources: files:/reports/* → files:/reports/q3/*');
  expect(await hops.nth(3).getByTestId('hop-expiry').textContent()).toBe(new Date((now + 600) * 1000).toISOString());
  expect(await hops.nth(3).getByTestId('hop-depth').textContent()).toBe('0');
  expect(await page.locator('[data-testid="token-blocks"] [data-kind]').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).toEqual(['authority', 'hop', 'hop', 'hop']);
  expect(c.errors).toEqual([]);
});

it('marks the chain unverified against a root that did not mint it, with the code and check', async () => {
  await inspect(token, didKeyFromPublicKey(KeyPair.generate().publicKey));
  const { page } = c;
  expect(await page.getByTestId('verify-status').getAttribute('data-state')).toBe('unverified');
  expect(await page.getByTestId('verify-failure').getAttribute('data-code')).toBe('invalid_signature');
  const marks = await page.locator('[data-testid="chain"] [data-testid="hop"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-verified')));
  expect(marks).toEqual(['unverified', 'unverified', 'unverified', 'unverified']);
});

it('runs authorize in the page: allows the holder, names the failing check otherwise', async () => {
  await inspect(token, didKeyFromPublicKey(orgKey.publicKey));
  const { page } = c;
  await page.getByTestId('req-resource').fill('files:/reports/q3/a.pdf');
  await page.getByTestId('authorize-button').click();
  await page.waitForSelector('[data-testid="authorize-result"]');
  expect(await page.getByTestId('authorize-result').getAttribute('data-decision')).toBe('allow');

  await page.getByTestId('req-action').fill('write');
  await page.getByTestId('authorize-button').click();
  await page.waitForSelector('[data-testid="authorize-result"][data-decision="deny"]');
  expect(await page.getByTestId('authorize-failure').getAttribute('data-code')).toBe('denied');
  expect(await page.getByTestId('authorize-failure').getAttribute('data-check')).toBe('actions');

  await page.getByTestId('req-action').fill('read');
  await page.getByTestId('req-presenter').fill(a2.did);
  await page.getByTestId('authorize-button').click();
  await page.waitForSelector('[data-testid="authorize-result"][data-decision="deny"]');
  expect(await page.getByTestId('authorize-failure').getAttribute('data-code')).toBe('holder_mismatch');

  await page.getByTestId('req-presenter').fill(a3.did);
  await page.getByTestId('req-time').fill(new Date((now + 700) * 1000).toISOString());
  await page.getByTestId('authorize-button').click();
  await page.waitForSelector('[data-testid="authorize-result"][data-decision="deny"]');
  expect(await page.getByTestId('authorize-failure').getAttribute('data-code')).toBe('expired');
});

it('refuses junk and an oversized token with coded errors before parsing', async () => {
  await inspect('not a token', '');
  expect(await c.page.getByTestId('inspect-failure').getAttribute('data-code')).toBe('malformed_input');
  await inspect('A'.repeat(20_000), '');
  expect(await c.page.getByTestId('inspect-failure').getAttribute('data-code')).toBe('input_too_large');
});

it('renders a hostile token literally: markup as text, control characters visible, no script run, no request off the origin', async () => {
  const hostileResource = '<img src=x onerror=alert(1)>';
  const hostileAudience = 'did:web:"><script>alert(2)</script>';
  const hostileTask = 'q3\u0000\u001b[31m\u2028<b>x</b>\u202e\u200b';
  const longResource = `files:/${'a'.repeat(2000)}`;
  let t = await mintCapability(
    { resources: [hostileResource, longResource], actions: ['read'], audience: [hostileAudience], expiresAt: now + 3600, maxDepth: 2, holder: a0.did, onBehalfOf: 'did:web:acme.example', task: hostileTask },
    { format: 'biscuit', rootKey: orgKey, issuer: 'did:web:acme.example' },
  );
  t = await attenuate(t, { to: a1.did, signer: a0.keyPair, trustedRoots: orgKey.publicKey });
  const before = c.requests.length;
  await inspect(t.serialize(), didKeyFromPublicKey(orgKey.publicKey));
  const { page } = c;
  expect(await page.getByTestId('verify-status').getAttribute('data-state')).toBe('verified');
  const hop = page.locator('[data-testid="chain"] [data-testid="hop"]').nth(1);
  expect(await hop.getByTestId('hop-resources').textContent()).toContain(hostileResource);
  // A long string wraps and is cut (the rest counted): the page never scrolls sideways.
  expect(await hop.getByTestId('hop-resources').textContent()).toContain('more)');
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
  const text = await page.getByTestId('chain').textContent();
  expect(text).toContain(hostileAudience);
  // NUL and ESC as Control Pictures, U+2028 as an escape: nothing invisible, no line forged.
  expect(text).toContain('q3\u2400\u241b[31m\\u2028<b>x</b>\\u202e\\u200b');
  expect(await page.locator('main img, main script, main b').count()).toBe(0);

  await page.getByTestId('req-resource').fill(hostileResource);
  await page.getByTestId('authorize-button').click();
  await page.waitForSelector('[data-testid="authorize-result"]');
  expect(await page.getByTestId('authorize-result').getAttribute('data-decision')).toBe('allow');
  expect(c.dialogs).toEqual([]);
  const origin = new URL(server.url).origin;
  expect(c.requests.slice(before).filter((u) => new URL(u).origin !== origin)).toEqual([]);
  expect(c.errors).toEqual([]);
});

it('serves the page with a CSP that stops inline script: an injected inline script does not run', async () => {
  const response = await c.page.request.get(server.url);
  expect(response.headers()['content-security-policy']).toContain("script-src 'self'");
  const ran = await c.page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = true';
    document.body.append(s);
    return (window as { __inline?: boolean }).__inline === true;
  });
  expect(ran).toBe(false);
  await expect.poll(() => c.errors.some((e) => e.includes('Content Security Policy')), { timeout: 30_000 }).toBe(true);
  c.errors.length = 0;
});

it('has no serious or critical accessibility violations (axe-core) with a chain drawn and a decision shown', async () => {
  await inspect(token, didKeyFromPublicKey(orgKey.publicKey));
  await c.page.getByTestId('authorize-button').click();
  await c.page.waitForSelector('[data-testid="authorize-result"]');
  expect(await axeViolations(c.page)).toEqual([]);
});

it('reads a Macaroon too: its chain drawn, verified with the root secret given as "macaroon ID SECRET", refused without it', async () => {
  const secret = crypto.getRandomValues(new Uint8Array(32));
  let m = await mintCapability(
    { resources: ['files:/reports/*'], actions: ['read', 'write'], audience: ['did:web:files.example'], expiresAt: now + 3600, maxDepth: 3, holder: a0.did, onBehalfOf: 'did:web:acme.example:users:alice', task: 'q3' },
    { format: 'macaroon', rootSecret: { id: 'acme-2026', secret }, issuer: 'did:web:acme.example' },
  );
  m = await attenuate(m, { to: a1.did, signer: a0.keyPair, narrowing: { actions: ['read'] } });
  m = await attenuate(m, { to: a2.did, signer: a1.keyPair });
  await inspect(m.serialize(), `macaroon acme-2026 ${base64urlEncode(secret)}`);
  const { page } = c;
  expect(await page.getByTestId('token-format').textContent()).toBe('macaroon');
  expect(await page.getByTestId('verify-status').getAttribute('data-state')).toBe('verified');
  const hops = page.locator('[data-testid="chain"] [data-testid="hop"]');
  expect(await hops.count()).toBe(3);
  expect(await hops.nth(1).getByTestId('hop-actions').textContent()).toBe('read');

  await inspect(m.serialize(), `macaroon acme-2026 ${base64urlEncode(crypto.getRandomValues(new Uint8Array(32)))}`);
  expect(await page.getByTestId('verify-status').getAttribute('data-state')).toBe('unverified');
  expect(await page.getByTestId('verify-failure').getAttribute('data-code')).toBe('invalid_signature');

  await inspect(m.serialize(), 'not a root');
  expect(await page.getByTestId('verify-failure').getAttribute('data-check')).toBe('roots');
});

it('resolves a did:web root in the page (fetched over loopback when allowed) and binds it to the issuer it names', async () => {
  const docs = createServer((req, res) => {
    res.setHeader('access-control-allow-origin', '*');
    if (req.url === '/.well-known/did.json') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(org.document));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => docs.listen(0, '127.0.0.1', resolve));
  const org = createAgentIdentity({ method: 'web', domain: `127.0.0.1:${(docs.address() as AddressInfo).port}` });
  try {
    const t = await mintCapability(
      { resources: ['files:/reports/*'], actions: ['read'], audience: ['did:web:files.example'], expiresAt: now + 3600, maxDepth: 1, holder: a0.did, onBehalfOf: 'did:web:acme.example:users:alice', task: 'q3' },
      { format: 'biscuit', rootKey: org.keyPair, issuer: org.did },
    );
    const { page } = c;
    await page.getByTestId('allow-http').check();
    await inspect(t.serialize(), org.did);
    expect(await page.getByTestId('verify-status').getAttribute('data-state')).toBe('verified');
    // The same key, bound to the DID it was resolved from, does not speak for another issuer.
    await inspect(token, org.did);
    expect(await page.getByTestId('verify-failure').getAttribute('data-code')).toBe('untrusted_issuer');
    await page.getByTestId('allow-http').uncheck();
    await inspect(t.serialize(), org.did);
    expect(await page.getByTestId('verify-status').getAttribute('data-state')).toBe('unverified');
  } finally {
    docs.close();
  }
});

it('runs from any static web server, in any folder: dist/page/ served under /tools/console/ with the CSP', async () => {
  const dir = fileURLToPath(new URL('../dist/page/', import.meta.url));
  const files = new Set(await readdir(dir));
  const types: Record<string, string> = { html: 'text/html', js: 'text/javascript', css: 'text/css' };
  const statics = createServer(async (req, res) => {
    const name = (req.url ?? '').replace(/^\/tools\/console\//, '') || 'index.html';
    if (!files.has(name)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[name.split('.').pop()!] ?? 'application/octet-stream', 'content-security-policy': CONSOLE_CSP });
    res.end(await readFile(join(dir, name)));
  });
  await new Promise<void>((resolve) => statics.listen(0, '127.0.0.1', resolve));
  const other = await openConsole(browser, `http://127.0.0.1:${(statics.address() as AddressInfo).port}/tools/console/`);
  try {
    await other.page.getByTestId('token-input').fill(token);
    await other.page.getByTestId('roots-input').fill(didKeyFromPublicKey(orgKey.publicKey));
    await other.page.getByTestId('inspect-button').click();
    await other.page.waitForSelector('[data-testid="verify-status"][data-state="verified"]');
    expect(await other.page.locator('[data-testid="chain"] [data-testid="hop"]').count()).toBe(4);
    expect(other.errors).toEqual([]);
  } finally {
    await other.context.close();
    statics.close();
  }
});
