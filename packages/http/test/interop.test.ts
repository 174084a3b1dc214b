import express from 'express';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { SignJWT, calculateJwkThumbprint, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { createHash } from 'node:crypto';
import { createDidResolver } from '@agent-id/did';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpGuard, createAgentFetch, createProof, guardFetchHandler, routeTable } from '../src/index.js';
import { guardExpress } from '../src/node.js';
import { type GuardedServer, type Parties, chain, guardedServer, parties, signerOf } from './fixture.js';

let p: Parties;
let s: GuardedServer;
beforeAll(async () => {
  p = await parties();
  s = await guardedServer(p);
});
afterAll(() => s.close());

describe('RFC 9449 interop with jose', () => {
  it('accepts a proof built with jose (not this package): typ dpop+jwt, jwk header, htm/htu/iat/jti/ath', async () => {
    const token = (await chain(p, s.origin, 1)).serialize();
    const url = `${s.origin}/orders/11`;
    const agent = p.agents[1]!;
    const jwk = agent.keyPair.publicKey.toJwk();
    const key = await importJWK({ ...agent.keyPair.exportPrivateJwk() }, 'EdDSA');
    const proof = await new SignJWT({ htm: 'GET', htu: url, ath: createHash('sha256').update(token).digest('base64url') })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'EdDSA', jwk })
      .setIssuedAt()
      .setJti(crypto.randomUUID())
      .sign(key);
    const response = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: proof, 'agent-credential': p.credentials[1]! } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ agent: agent.did });
  });

  it('our proof verifies with jose against the jwk it carries, with the claims RFC 9449 names', async () => {
    const token = (await chain(p, s.origin, 1)).serialize();
    const proof = createProof(signerOf(p.agents[1]!), { method: 'POST', url: `${s.origin}/orders/1?x=1#f`, token });
    const header = decodeProtectedHeader(proof);
    expect(header).toMatchObject({ typ: 'dpop+jwt', alg: 'EdDSA', kid: p.agents[1]!.keyId });
    const { payload } = await jwtVerify(proof, await importJWK(header.jwk!, 'EdDSA'), { typ: 'dpop+jwt', maxTokenAge: 60 });
    expect(payload).toMatchObject({ htm: 'POST', htu: `${s.origin}/orders/1`, ath: createHash('sha256').update(token).digest('base64url') });
    expect(typeof payload.jti).toBe('string');
    expect(await calculateJwkThumbprint(header.jwk!)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a jose proof whose jwk is another key than its kid names (key_mismatch)', async () => {
    const token = (await chain(p, s.origin, 1)).serialize();
    const url = `${s.origin}/orders/12`;
    const other = p.agents[2]!;
    const key = await importJWK({ ...other.keyPair.exportPrivateJwk() }, 'EdDSA');
    const proof = await new SignJWT({ htm: 'GET', htu: url, ath: createHash('sha256').update(token).digest('base64url') })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'EdDSA', jwk: other.keyPair.publicKey.toJwk(), kid: p.agents[1]!.keyId })
      .setIssuedAt()
      .setJti(crypto.randomUUID())
      .sign(key);
    const response = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: proof, 'agent-credential': p.credentials[1]! } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_dpop_proof', code: 'key_mismatch', check: 'proof_key' });
  });
});

describe('adapters', () => {
  it('Express: guardExpress refuses and hands the decision to the route in res.locals.agentId', async () => {
    const app = express();
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const guard = new HttpGuard({
      resource: origin,
      map: routeTable('api', [{ method: 'GET', path: '/orders/*', action: 'read' }]),
      resolver: createDidResolver(),
      trustedIssuers: [p.org.did],
      trustedRoots: [p.rootKey.publicKey],
      audit: s.log,
    });
    app.use(guardExpress(guard));
    app.get('/orders/:id', (req, res) => {
      res.json({ id: req.params.id, for: (res.locals.agentId as { onBehalfOf: string }).onBehalfOf });
    });
    try {
      const token = await chain(p, origin, 1);
      const agentFetch = createAgentFetch({ agent: signerOf(p.agents[1]!), token, credential: p.credentials[1]! });
      const ok = await agentFetch(`${origin}/orders/5`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ id: '5', for: 'did:web:acme.example:users:alice' });
      const refused = await fetch(`${origin}/orders/5`);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ code: 'credential_required' });
      const meta = await fetch(`${origin}/.well-known/oauth-protected-resource`);
      expect(await meta.json()).toMatchObject({ resource: origin });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('Fetch API: guardFetchHandler with Request objects, the client fetch calling it directly, a JSON body for the mapper', async () => {
    const origin = 'https://tools.example';
    const guard = new HttpGuard({
      resource: `${origin}/rpc`,
      map: (r) => {
        const body = r.body as { method?: unknown } | undefined;
        return typeof body?.method === 'string' ? { action: 'call', resource: `api:/rpc/${encodeURIComponent(body.method)}` } : undefined;
      },
      resolver: createDidResolver(),
      trustedIssuers: [p.org.did],
      trustedRoots: [p.rootKey.publicKey],
      audit: s.log,
    });
    const handle = guardFetchHandler(guard, async (request, d) => Response.json({ echo: await request.json(), resource: d.resource }), { maxJsonBodyBytes: 4096 });
    const token = await chain(p, `${origin}/rpc`, 1, { resources: ['api:/rpc/*'], actions: ['call'] });
    const agentFetch = createAgentFetch({ agent: signerOf(p.agents[1]!), token, credential: p.credentials[1]!, fetch: handle as typeof fetch });
    const ok = await agentFetch(`${origin}/rpc`, { method: 'POST', body: JSON.stringify({ method: 'sum' }), headers: { 'content-type': 'application/json' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ echo: { method: 'sum' }, resource: 'api:/rpc/sum' });
    const big = await agentFetch(`${origin}/rpc`, { method: 'POST', body: 'x'.repeat(5000) });
    expect(big.status).toBe(413);
    const meta = await handle(new Request(`${origin}/.well-known/oauth-protected-resource/rpc`));
    expect(await meta.json()).toMatchObject({ resource: `${origin}/rpc` });
  });
});
