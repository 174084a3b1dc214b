import { KeyPair } from '@agent-id/core';
import { createDidResolver } from '@agent-id/did';
import { expect, it } from 'vitest';
import { AccessTokenKeys, TokenService, tokenServiceFetchHandler } from '../src/index.js';

it('serves metadata at the RFC 8414 path of an issuer with a path, and its endpoints under it', async () => {
  const service = new TokenService({
    issuer: 'https://tokens.example/acme',
    organisation: 'did:web:acme.example',
    rootKey: KeyPair.generate('Ed25519'),
    identityProviders: [],
    scopes: {},
    agentPolicy: () => undefined,
    accessTokenKeys: await AccessTokenKeys.generate(),
    resolver: createDidResolver(),
    trustedIssuers: [],
    audit: { append: async (record) => ({ seq: 0, prevHash: '', hash: '', record }) },
  });
  const handle = tokenServiceFetchHandler(service);
  const metadata = await handle(new Request('https://tokens.example/.well-known/oauth-authorization-server/acme'));
  expect(await metadata.json()).toMatchObject({ issuer: 'https://tokens.example/acme', token_endpoint: 'https://tokens.example/acme/token', jwks_uri: 'https://tokens.example/acme/jwks.json' });
  expect((await handle(new Request('https://tokens.example/.well-known/oauth-authorization-server'))).status).toBe(404);
  expect(((await (await handle(new Request('https://tokens.example/acme/jwks.json'))).json()) as { keys: unknown[] }).keys).toHaveLength(1);
  const refused = await handle(new Request('https://tokens.example/acme/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }, body: 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange' }));
  expect(refused.status).toBe(400);
  expect(await refused.json()).toMatchObject({ error: 'invalid_request', code: 'malformed_input', check: 'subject_token' });
  expect(() => new TokenService({ issuer: 'http://tokens.example' } as ConstructorParameters<typeof TokenService>[0])).toThrow(TypeError);
});
