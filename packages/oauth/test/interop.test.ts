import type { AddressInfo } from 'node:net';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { CapabilityToken, attenuate } from '@agent-id/tokens';
import express from 'express';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TOKEN_TYPES } from '../src/index.js';
import { type Service, consent, post, startService } from './fixture.js';
import { type Idp, logIn, startIdp } from './idp.js';

// An OAuth-only API built on the MCP SDK's bearer middleware, with a verifier on jose alone:
// it knows nothing of capabilities, DIDs or this toolkit.
let idp: Idp;
let s: Service;
let api: string;
let server: import('node:http').Server;
let accessToken: string;
let otherAudienceToken: string;

async function exchangeFor(resource: string): Promise<string> {
  const root = CapabilityToken.parse((await post(s, { subjectToken: await logIn(idp, 'alice'), subjectType: TOKEN_TYPES.idToken, by: s.agents[0]!, credential: s.credentials[0]! })).body.access_token as string);
  const sub = await attenuate(root, { to: s.agents[1]!.did, signer: s.agents[0]!.keyPair, trustedRoots: s.rootKey.publicKey, narrowing: { actions: ['read'] } });
  const r = await post(s, { subjectToken: sub.serialize(), subjectType: TOKEN_TYPES.biscuit, by: s.agents[1]!, credential: s.credentials[1]!, params: { resource } });
  expect(r.status).toBe(200);
  return r.body.access_token as string;
}

beforeAll(async () => {
  idp = await startIdp();
  const app = express();
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  // A second API that accepts the same capabilities: tokens for it are valid, but not for this one.
  const other = api.replace('/mcp', '/other');
  s = await startService(idp, { apis: { [api]: { scopes: ['orders.read', 'orders.write'] }, [other]: { scopes: ['orders.read'], audience: api } } }, api);
  consent(s, idp, 'alice', 0, ['orders.read', 'orders.write']);
  const jwks = createRemoteJWKSet(new URL(s.service.jwksUri));
  const verifier = {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      const { payload } = await jwtVerify(token, jwks, { issuer: s.origin, typ: 'at+jwt' });
      const aud = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud;
      return { token, clientId: String(payload.client_id), scopes: String(payload.scope).split(' '), expiresAt: payload.exp, ...(aud ? { resource: new URL(aud) } : {}) };
    },
  };
  app.post('/mcp', requireBearerAuth({ verifier, requiredScopes: ['orders.read'], expectedResource: new URL(api) }), (req, res) => {
    res.json({ ok: true, clientId: (req as unknown as { auth: AuthInfo }).auth.clientId });
  });
  accessToken = await exchangeFor(api);
  otherAudienceToken = await exchangeFor(other);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await s.close();
  await idp.close();
});

it('the MCP SDK requireBearerAuth, verifying with jose, accepts an issued access token', async () => {
  const r = await fetch(api, { method: 'POST', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }, body: '{}' });
  expect(r.status).toBe(200);
  expect(await r.json()).toEqual({ ok: true, clientId: s.agents[1]!.did });
});

it('and refuses one issued for another audience (401), as jose does', async () => {
  const r = await fetch(api, { method: 'POST', headers: { authorization: `Bearer ${otherAudienceToken}`, 'content-type': 'application/json' }, body: '{}' });
  expect(r.status).toBe(401);
  expect(((await r.json()) as { error: string }).error).toBe('invalid_token');
  await expect(jwtVerify(otherAudienceToken, createRemoteJWKSet(new URL(s.service.jwksUri)), { audience: api })).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
  await jwtVerify(accessToken, createRemoteJWKSet(new URL(s.service.jwksUri)), { audience: api });
});
