import { chmod, readFile, writeFile } from 'node:fs/promises';
import { KeyPair } from '@agent-id/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cli, noStack, serving, tempDir } from './helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  tmp = await tempDir();
  await writeFile(tmp.path('root.jwk'), JSON.stringify(KeyPair.generate('Ed25519').exportPrivateJwk()), { mode: 0o600 });
  await chmod(tmp.path('root.jwk'), 0o600);
  await writeFile(
    tmp.path('service.json'),
    JSON.stringify({
      organisation: 'did:web:acme.example',
      identityProviders: [{ issuer: 'https://login.acme.example', audience: 'acme-token-service' }],
      scopes: { 'orders.read': { resources: ['api:/orders/*'], actions: ['read'] } },
      agents: {},
      consents: [],
      apis: { 'https://orders.acme.example/api': { scopes: ['orders.read'] } },
      trustedIssuers: ['did:web:acme.example'],
    }),
  );
});

afterAll(async () => {
  await tmp.cleanup();
});

it('oauth serve runs the token service until SIGTERM: metadata, JWKS, coded refusals, exit 0', async () => {
  const code = await serving<{ issuer: string; tokenEndpoint: string; metadata: string }>(
    ['oauth', 'serve', '--config', tmp.path('service.json'), '--root-key', tmp.path('root.jwk'), '--audit', tmp.path('audit.jsonl')],
    async ({ issuer, tokenEndpoint, metadata }) => {
    const m = (await (await fetch(metadata)).json()) as Record<string, unknown>;
    expect(m).toMatchObject({ issuer, token_endpoint: tokenEndpoint, grant_types_supported: ['urn:ietf:params:oauth:grant-type:token-exchange'] });
    expect(((await (await fetch(`${issuer}/jwks.json`)).json()) as { keys: unknown[] }).keys).toHaveLength(1);
    const r = await fetch(tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password' });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error: 'unsupported_grant_type', code: 'malformed_input', check: 'unsupported_grant_type' });
    },
  );
  expect(code).toBe(0);
});

it('oauth serve refuses a missing or malformed config with usage errors (exit 2)', async () => {
  const missing = await cli(['oauth', 'serve', '--root-key', tmp.path('root.jwk'), '--audit', tmp.path('a.jsonl')]);
  expect(missing.code).toBe(2);
  await writeFile(tmp.path('bad.json'), JSON.stringify({ organisation: 'did:web:acme.example', scopes: [], agents: {} }));
  const bad = await cli(['oauth', 'serve', '--config', tmp.path('bad.json'), '--root-key', tmp.path('root.jwk'), '--audit', tmp.path('a.jsonl'), '--port', '0', '--json']);
  expect(bad.code).toBe(2);
  expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, error: { code: 'invalid_argument', check: '--config' } });
  expect(noStack(bad)).toBe(true);
  const port = await cli(['oauth', 'serve', '--config', tmp.path('service.json'), '--audit', tmp.path('a.jsonl'), '--port', '70000']);
  expect(port.code).toBe(2);
});

it('oauth serve takes SPIFFE trust bundles from the config ("workloads"); a bundle that is not one is a usage error', async () => {
  const base = JSON.parse(await readFile(tmp.path('service.json'), 'utf8')) as Record<string, unknown>;
  const svidKey = { ...KeyPair.generate('P-256').publicKey.toJwk(), kid: 'spire-1', use: 'jwt-svid' };
  for (const [name, workloads] of [
    ['no-keys', { bundles: { 'acme.example': {} } }],
    ['bad-domain', { bundles: { 'ACME.example': { keys: [svidKey] } } }],
    ['not-object', { bundles: 'acme.example' }],
  ] as const) {
    await writeFile(tmp.path(`${name}.json`), JSON.stringify({ ...base, workloads }));
    const r = await cli(['oauth', 'serve', '--config', tmp.path(`${name}.json`), '--root-key', tmp.path('root.jwk'), '--audit', tmp.path('w.jsonl'), '--port', '0', '--json']);
    expect(r.code, name).toBe(2);
    expect(JSON.parse(r.stdout), name).toMatchObject({ ok: false, error: { code: 'invalid_argument', check: '--config' } });
    expect(noStack(r)).toBe(true);
  }
  await writeFile(tmp.path('workloads.json'), JSON.stringify({ ...base, workloads: { bundles: { 'acme.example': { keys: [svidKey] } } } }));
  const code = await serving<{ tokenEndpoint: string }>(
    ['oauth', 'serve', '--config', tmp.path('workloads.json'), '--root-key', tmp.path('root.jwk'), '--audit', tmp.path('w2.jsonl')],
    async (started) => {
    // An SVID actor without the credential that binds it to an agent: refused with a code, not a crash.
    const body = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: 'x',
      subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      actor_token: 'e30.e30.e30',
      actor_token_type: 'urn:agent-id:params:oauth:token-type:jwt-svid',
    });
    const r = await fetch(started.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(await r.json()).toHaveProperty('code');
    },
  );
  expect(code).toBe(0);
});
