import { manualClock } from '@agent-id/core';
import { createAgentIdentity, issueOwnershipCredential } from '@agent-id/did';
import { createProof } from '@agent-id/http';
import { CapabilityToken, attenuate, authorize } from '@agent-id/tokens';
import { calculateJwkThumbprint, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_TYPES } from '../src/index.js';
import { type Service, consent, post, startService } from './fixture.js';
import { type Idp, OTHER_CLIENT_ID, logIn, startIdp } from './idp.js';

let idp: Idp;
let otherIdp: Idp;
let s: Service;
let aliceIdToken: string;

beforeAll(async () => {
  idp = await startIdp();
  otherIdp = await startIdp();
  s = await startService(idp);
  consent(s, idp, 'alice', 0, ['orders.read', 'orders.write']);
  consent(s, idp, 'alice', 1, ['orders.read']);
  aliceIdToken = await logIn(idp, 'alice');
});

afterAll(async () => {
  await s.close();
  await idp.close();
  await otherIdp.close();
});

function loginExchange(agent: number, params: Record<string, string | string[]> = {}, subjectToken = aliceIdToken, by = agent) {
  return post(s, { subjectToken, subjectType: TOKEN_TYPES.idToken, by: s.agents[by]!, credential: s.credentials[agent]!, params });
}

function expectRefusal(r: { status: number; body: Record<string, unknown> }, error: string, code: string, check?: string) {
  expect(r.status).toBe(error === 'invalid_client' ? 401 : 400);
  expect(r.body.error).toBe(error);
  expect(r.body.code).toBe(code);
  if (check !== undefined) expect(r.body.check).toBe(check);
  expect(JSON.stringify(r.body)).not.toContain(aliceIdToken.split('.')[2]!);
}

async function rootCapability(agent = 0, params: Record<string, string | string[]> = {}): Promise<string> {
  const r = await loginExchange(agent, params);
  expect(r.status).toBe(200);
  return r.body.access_token as string;
}

describe('exchange A: user login → root capability', () => {
  it('mints a Biscuit held by the agent, for Alice, within her consent and policy', async () => {
    const r = await loginExchange(0, { scope: 'orders.read' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ issued_token_type: TOKEN_TYPES.biscuit, token_type: 'DPoP', scope: 'orders.read' });
    expect(r.body.expires_in).toBeLessThanOrEqual(900);
    const token = CapabilityToken.parse(r.body.access_token as string);
    const ok = await authorize(token, { request: { resource: 'api:/orders/7', action: 'read', audience: s.api }, presenter: s.agents[0]!.did, trustedRoots: s.rootKey.publicKey });
    expect(ok.onBehalfOf).toBe(`${idp.issuer}#alice`);
    expect(ok.issuer).toBe(s.org.did);
    await expect(authorize(token, { request: { resource: 'api:/orders/7', action: 'write', audience: s.api }, presenter: s.agents[0]!.did, trustedRoots: s.rootKey.publicKey })).rejects.toMatchObject({ code: 'denied' });
  });

  it('mints a Macaroon when asked, and by default everything consented that policy allows', async () => {
    const r = await loginExchange(0, { requested_token_type: TOKEN_TYPES.macaroon });
    expect(r.status).toBe(200);
    expect(r.body.issued_token_type).toBe(TOKEN_TYPES.macaroon);
    expect(r.body.scope).toBe('orders.read orders.write');
    const ok = await authorize(r.body.access_token as string, { request: { resource: 'api:/orders/7', action: 'write', audience: s.api }, presenter: s.agents[0]!.did, rootSecrets: s.rootSecret });
    expect(ok.format).toBe('macaroon');
  });

  it('refuses a scope beyond what the user consented to', async () => {
    expectRefusal(await loginExchange(1, { scope: 'orders.read orders.write' }), 'invalid_scope', 'scope_widened', 'consent');
  });

  it('refuses a scope the agent policy does not allow, and an agent no policy names', async () => {
    consent(s, idp, 'alice', 0, ['orders.read', 'hr.read']);
    try {
      expectRefusal(await loginExchange(0, { scope: 'hr.read' }), 'invalid_scope', 'denied', 'policy');
    } finally {
      consent(s, idp, 'alice', 0, ['orders.read', 'orders.write']);
    }
    expectRefusal(await loginExchange(2), 'unauthorized_client', 'denied', 'policy');
  });

  it('refuses an audience outside policy, and a user with no consent on record', async () => {
    expectRefusal(await loginExchange(0, { audience: 'did:web:elsewhere.example' }), 'invalid_target', 'wrong_audience');
    const bob = await logIn(idp, 'bob');
    expectRefusal(await loginExchange(0, {}, bob), 'invalid_scope', 'denied', 'consent');
  });

  it('enforces may_act: only the named agent may act for the user', async () => {
    idp.mayAct.set('carol', { sub: s.agents[1]!.did });
    const carol = await logIn(idp, 'carol');
    consent(s, idp, 'carol', 0, ['orders.read']);
    consent(s, idp, 'carol', 1, ['orders.read']);
    expectRefusal(await loginExchange(0, {}, carol), 'unauthorized_client', 'denied', 'may_act');
    expect((await loginExchange(1, {}, carol)).status).toBe(200);
  });

  it('refuses an expired ID token', async () => {
    const later = manualClock(Date.now() + 2 * 3600_000);
    const late = await startService(idp, { clock: later });
    try {
      late.consents.set(`${idp.issuer}|alice|${late.agents[0]!.did}`, ['orders.read']);
      const r = await post(late, { subjectToken: aliceIdToken, subjectType: TOKEN_TYPES.idToken, by: late.agents[0]!, credential: late.credentials[0]!, clock: later });
      expectRefusal(r, 'invalid_grant', 'expired', 'subject_expiry');
    } finally {
      await late.close();
    }
  });

  it('refuses an ID token from another issuer, for another audience, or with alg none', async () => {
    expectRefusal(await loginExchange(0, {}, await logIn(otherIdp, 'alice')), 'invalid_grant', 'untrusted_issuer', 'subject_issuer');
    expectRefusal(await loginExchange(0, {}, await logIn(idp, 'alice', OTHER_CLIENT_ID)), 'invalid_grant', 'wrong_audience', 'subject_audience');
    const [, payload] = aliceIdToken.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    expectRefusal(await loginExchange(0, {}, none), 'invalid_grant', 'unsupported_algorithm', 'subject_algorithm');
    const [h, p, sig] = aliceIdToken.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...decodeJwt(aliceIdToken), sub: 'mallory' })).toString('base64url')}.${sig}`;
    expectRefusal(await loginExchange(0, {}, forged), 'invalid_grant', 'invalid_signature');
    expect(p).toBe(payload);
  });

  it('refuses a proof by another agent than the credential names, and a replayed proof', async () => {
    expectRefusal(await loginExchange(0, {}, aliceIdToken, 1), 'unauthorized_client', 'wrong_subject');
    const first = await loginExchange(0);
    expect(first.status).toBe(200);
    const again = await post(s, { subjectToken: aliceIdToken, subjectType: TOKEN_TYPES.idToken, by: s.agents[0]!, credential: s.credentials[0]!, proof: first.proof });
    expectRefusal(again, 'invalid_dpop_proof', 'replayed', 'jti');
  });

  it('refuses a request without a proof, or a proof for another subject token', async () => {
    const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: aliceIdToken, subject_token_type: TOKEN_TYPES.idToken, actor_token: s.credentials[0]!, actor_token_type: TOKEN_TYPES.ownershipCredential });
    const r = await fetch(s.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    expectRefusal({ status: r.status, body: (await r.json()) as Record<string, unknown> }, 'invalid_dpop_proof', 'signature_required');
    const other = await logIn(idp, 'alice');
    const stale = await post(s, { subjectToken: aliceIdToken, subjectType: TOKEN_TYPES.idToken, by: s.agents[0]!, credential: s.credentials[0]!, proof: (await post(s, { subjectToken: other, subjectType: TOKEN_TYPES.idToken, by: s.agents[0]!, credential: s.credentials[0]!, proof: 'x' })).proof });
    expect(stale.body.error).toBe('invalid_dpop_proof');
  });

  it('refuses hostile scope names, a credential from an untrusted organisation and a proof for another URL', async () => {
    for (const scope of ['__proto__', 'constructor', 'toString', 'orders.read __proto__'])
      expectRefusal(await loginExchange(0, { scope }), 'invalid_scope', 'denied', 'scope_unknown');
    const stranger = createAgentIdentity();
    const foreign = await issueOwnershipCredential(stranger, { agent: s.agents[0]!.did });
    expectRefusal(await post(s, { subjectToken: aliceIdToken, subjectType: TOKEN_TYPES.idToken, by: s.agents[0]!, credential: foreign }), 'unauthorized_client', 'untrusted_issuer');
    const elsewhere = createProof(s.agents[0]!, { method: 'POST', url: `${s.origin}/elsewhere`, token: aliceIdToken });
    expectRefusal(await post(s, { subjectToken: aliceIdToken, subjectType: TOKEN_TYPES.idToken, by: s.agents[0]!, credential: s.credentials[0]!, proof: elsewhere }), 'invalid_dpop_proof', 'request_mismatch', 'htu');
    const old = createProof(s.agents[0]!, { method: 'POST', url: s.tokenEndpoint, token: aliceIdToken, clock: () => Date.now() - 120_000 });
    expectRefusal(await post(s, { subjectToken: aliceIdToken, subjectType: TOKEN_TYPES.idToken, by: s.agents[0]!, credential: s.credentials[0]!, proof: old }), 'invalid_dpop_proof', 'expired', 'proof_iat');
  });

  it('audits every exchange: who, for whom, from what to what', async () => {
    await loginExchange(0, { scope: 'orders.read' });
    await loginExchange(2);
    const lines = s.records.slice(-2);
    expect(lines[0]).toMatchObject({ agent: s.agents[0]!.did, onBehalfOf: `${idp.issuer}#alice`, action: 'token-exchange', decision: 'allow', verifier: s.origin });
    expect(lines[0]!.reason).toContain('orders.read');
    expect(lines[1]).toMatchObject({ agent: s.agents[2]!.did, decision: 'deny', code: 'denied' });
    expect(JSON.stringify(s.records)).not.toContain(aliceIdToken);
  });
});

describe('exchange B: capability → RFC 9068 access token', () => {
  async function delegated(hops: number, narrow: { actions?: string[] } = {}): Promise<CapabilityToken> {
    let token = CapabilityToken.parse(await rootCapability(0));
    for (let i = 1; i <= hops; i++) {
      token = await attenuate(token, { to: s.agents[i]!.did, signer: s.agents[i - 1]!.keyPair, trustedRoots: s.rootKey.publicKey, ...(i === hops && narrow.actions ? { narrowing: { actions: narrow.actions } } : {}) });
    }
    return token;
  }

  function capabilityExchange(token: CapabilityToken, agent: number, params: Record<string, string | string[]> = {}, by = agent) {
    return post(s, { subjectToken: token.serialize(), subjectType: TOKEN_TYPES[token.format], by: s.agents[by]!, credential: s.credentials[by]!, params: { resource: s.api, ...params } });
  }

  it('issues an at+jwt for the user with the act chain, audience, scope and cnf.jkt; jose verifies it with the published JWKS', async () => {
    const token = await delegated(2, { actions: ['read'] });
    const r = await capabilityExchange(token, 2);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ issued_token_type: TOKEN_TYPES.accessToken, token_type: 'DPoP', scope: 'orders.read' });
    const at = r.body.access_token as string;
    const jwks = createRemoteJWKSet(new URL(s.service.jwksUri));
    const { payload, protectedHeader } = await jwtVerify(at, jwks, { issuer: s.origin, audience: s.api, typ: 'at+jwt' });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload.sub).toBe(`${idp.issuer}#alice`);
    expect(payload.client_id).toBe(s.agents[2]!.did);
    expect(payload.act).toEqual({ sub: s.agents[2]!.did, act: { sub: s.agents[1]!.did, act: { sub: s.agents[0]!.did } } });
    expect(payload.scope).toBe('orders.read');
    expect((payload.cnf as { jkt: string }).jkt).toBe(await calculateJwkThumbprint(s.agents[2]!.keyPair.publicKey.toJwk() as Parameters<typeof calculateJwkThumbprint>[0]));
    const cap = await authorize(token, { request: { resource: 'api:/orders/1', action: 'read', audience: s.api }, presenter: s.agents[2]!.did, trustedRoots: s.rootKey.publicKey });
    expect(payload.exp).toBeLessThanOrEqual(cap.effective.expiresAt);
    await expect(jwtVerify(at, jwks, { issuer: s.origin, audience: s.otherApi })).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' });
  });

  it('cnf.jkt is each agent\'s own thumbprint, exchange after exchange (thumbprints are remembered by key)', async () => {
    const jkt = async (token: CapabilityToken, agent: number) => {
      const r = await capabilityExchange(token, agent);
      expect(r.status).toBe(200);
      return (decodeJwt(r.body.access_token as string).cnf as { jkt: string }).jkt;
    };
    const want = async (agent: number) => await calculateJwkThumbprint(s.agents[agent]!.keyPair.publicKey.toJwk() as Parameters<typeof calculateJwkThumbprint>[0]);
    const [one, two] = [await delegated(1, { actions: ['read'] }), await delegated(2, { actions: ['read'] })];
    const seen = [await jkt(one, 1), await jkt(two, 2), await jkt(one, 1), await jkt(two, 2)];
    expect(seen).toEqual([await want(1), await want(2), await want(1), await want(2)]);
    expect(seen[0]).not.toBe(seen[1]);
  });

  it('exchanges a delegated Macaroon the same way', async () => {
    const root = CapabilityToken.parse(await rootCapability(0, { requested_token_type: TOKEN_TYPES.macaroon }));
    const token = await attenuate(root, { to: s.agents[1]!.did, signer: s.agents[0]!.keyPair, narrowing: { actions: ['write'] } });
    const r = await capabilityExchange(token, 1);
    expect(r.status).toBe(200);
    const claims = decodeJwt(r.body.access_token as string);
    expect(claims).toMatchObject({ sub: `${idp.issuer}#alice`, aud: s.api, scope: 'orders.write', client_id: s.agents[1]!.did, act: { sub: s.agents[1]!.did, act: { sub: s.agents[0]!.did } } });
    expectRefusal(await post(s, { subjectToken: token.serialize(), subjectType: TOKEN_TYPES.biscuit, by: s.agents[1]!, credential: s.credentials[1]!, params: { resource: s.api } }), 'invalid_grant', 'malformed_input', 'subject_token_type');
  });

  it('refuses a resource it does not serve, and one the capability does not name', async () => {
    const token = await delegated(1);
    expectRefusal(await capabilityExchange(token, 1, { resource: 'https://unknown.example/' }), 'invalid_target', 'wrong_audience', 'resource');
    expectRefusal(await capabilityExchange(token, 1, { resource: s.otherApi }), 'invalid_target', 'wrong_audience');
    expectRefusal(await capabilityExchange(token, 1, { resource: [s.api, s.otherApi] }), 'invalid_request', 'malformed_input', 'resource');
  });

  it('refuses a scope the capability does not cover', async () => {
    const token = await delegated(1, { actions: ['read'] });
    expectRefusal(await capabilityExchange(token, 1, { scope: 'orders.write' }), 'invalid_scope', 'denied', 'scope');
  });

  it('refuses a capability presented by an agent that does not hold it', async () => {
    const token = await delegated(1);
    expectRefusal(await capabilityExchange(token, 1, {}, 0), 'invalid_grant', 'holder_mismatch');
  });

  it('refuses a revoked capability, and a revoked agent at its login exchange', async () => {
    const token = await delegated(1);
    const { revocationIds } = await authorize(token, { request: { resource: 'api:/orders/1', action: 'read', audience: s.api }, presenter: s.agents[1]!.did, trustedRoots: s.rootKey.publicKey });
    expect((await capabilityExchange(token, 1)).status).toBe(200);
    await s.revocations.revoke({ kind: 'token', id: revocationIds[1]! });
    expectRefusal(await capabilityExchange(token, 1), 'invalid_grant', 'revoked', 'revocation_token');
    await s.revocations.revoke({ kind: 'principal', id: `${idp.issuer}#dave` });
    consent(s, idp, 'dave', 0, ['orders.read']);
    expectRefusal(await loginExchange(0, {}, await logIn(idp, 'dave')), 'invalid_grant', 'revoked', 'revocation_principal');
    await s.revocations.revoke({ kind: 'agent', did: s.agents[3]!.did });
    consent(s, idp, 'alice', 3, ['orders.read']);
    expectRefusal(await loginExchange(3), 'unauthorized_client', 'revoked', 'revocation_agent');
  });

  it('refuses a replayed proof', async () => {
    const token = await delegated(1);
    const first = await capabilityExchange(token, 1);
    expect(first.status).toBe(200);
    const again = await post(s, { subjectToken: token.serialize(), subjectType: TOKEN_TYPES.biscuit, by: s.agents[1]!, credential: s.credentials[1]!, params: { resource: s.api }, proof: first.proof });
    expectRefusal(again, 'invalid_dpop_proof', 'replayed');
  });

  it('keeps the old key published after a rotation, so tokens it signed still verify', async () => {
    const token = await delegated(1);
    const before = (await capabilityExchange(token, 1)).body.access_token as string;
    await s.keys.rotate();
    const after = (await capabilityExchange(token, 1)).body.access_token as string;
    expect(decodeProtectedHeader(before).kid).not.toBe(decodeProtectedHeader(after).kid);
    const jwks = createRemoteJWKSet(new URL(s.service.jwksUri));
    await jwtVerify(before, jwks, { audience: s.api });
    await jwtVerify(after, jwks, { audience: s.api });
    const published = (await (await fetch(s.service.jwksUri)).json()) as { keys: { kid: string; d?: string }[] };
    expect(published.keys.map((k) => k.kid)).toEqual([decodeProtectedHeader(after).kid, decodeProtectedHeader(before).kid]);
    expect(published.keys.every((k) => k.d === undefined)).toBe(true);
  });
});

describe('metadata', () => {
  it('serves RFC 8414 metadata naming the token endpoint, JWKS and the token-exchange grant', async () => {
    const r = await fetch(`${s.origin}/.well-known/oauth-authorization-server`);
    const m = (await r.json()) as Record<string, unknown>;
    expect(m).toMatchObject({ issuer: s.origin, token_endpoint: `${s.origin}/token`, jwks_uri: `${s.origin}/jwks.json`, grant_types_supported: ['urn:ietf:params:oauth:grant-type:token-exchange'] });
  });
});
