import { issueOwnershipCredential } from '@agent-id/did';
import { CapabilityToken, attenuate } from '@agent-id/tokens';
import { type CryptoKey, SignJWT, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { junkValues } from '@agent-id/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PolicySubject, TOKEN_TYPES } from '../src/index.js';
import { type Service, consent, post, startService } from './fixture.js';
import { type Idp, logIn, startIdp } from './idp.js';

// Agents that run as workloads: the actor token is a JWT-SVID (minted with jose, as SPIRE
// would), the ownership credential binds the agent's DID to its SPIFFE ID, and the DPoP proof
// by the DID key still binds the request.
const ANALYST = 'spiffe://acme.example/ns/agents/sa/analyst';
let idp: Idp;
let s: Service;
let plain: Service;
let idToken: string;
let spire: { privateKey: CryptoKey };
let bound: string[];
const policyAsked: PolicySubject[] = [];

function svid(claims: Record<string, unknown> = {}, key = spire.privateKey, kid = 'spire-1'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: ANALYST, aud: [s.origin], exp: now + 300, iat: now, ...claims }).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(key);
}

beforeAll(async () => {
  idp = await startIdp();
  const keys = await generateKeyPair('ES256', { extractable: true });
  spire = keys;
  const bundle = { spiffe_sequence: 1, keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'spire-1', use: 'jwt-svid' }] };
  s = await startService(idp, {
    workloads: { bundles: { 'acme.example': bundle } },
    agentPolicy: (subject) => {
      policyAsked.push(subject);
      return { scopes: ['orders.read', 'orders.write'], audience: ['https://orders.acme.example/api'], maxDepth: 5 };
    },
  });
  plain = await startService(idp);
  consent(s, idp, 'alice', 0, ['orders.read']);
  idToken = await logIn(idp, 'alice');
  bound = await Promise.all(s.agents.map((a, i) => issueOwnershipCredential(s.org, { agent: a.did, workload: i === 2 ? 'spiffe://acme.example/ns/agents/sa/other' : ANALYST })));
});

afterAll(async () => {
  await s.close();
  await plain.close();
  await idp.close();
});

async function loginAs(agent: number, actor: { token: string; type?: string; credential?: string }, service = s) {
  return await post(service, { subjectToken: idToken, subjectType: TOKEN_TYPES.idToken, by: service.agents[agent]!, credential: '', actor: { type: TOKEN_TYPES.jwtSvid, ...actor } });
}

function refused(r: { status: number; body: Record<string, unknown> }, error: string, code: string, check: string) {
  expect(r.status).toBe(400);
  expect(r.body).toMatchObject({ error, code, check });
}

describe('a JWT-SVID as actor_token', () => {
  it('login → capability: accepted when the credential binds the agent to the SVID\'s SPIFFE ID; policy and audit see the workload', async () => {
    const r = await loginAs(0, { token: await svid(), credential: bound[0]! });
    expect(r.status).toBe(200);
    expect(r.body.issued_token_type).toBe(TOKEN_TYPES.biscuit);
    expect(policyAsked.at(-1)).toEqual({ agent: s.agents[0]!.did, operator: s.org.did, workload: ANALYST });
    const record = s.records.at(-1)!;
    expect(record).toMatchObject({ agent: s.agents[0]!.did, decision: 'allow' });
    expect(record.reason).toContain(`actor workload ${ANALYST}`);
    // RFC 8693's generic JWT type is read as a JWT-SVID in that place.
    expect((await loginAs(0, { token: await svid(), type: TOKEN_TYPES.jwt, credential: bound[0]! })).status).toBe(200);
  });

  it('capability → access token: the outermost act names the agent and its SPIFFE ID; jose verifies it', async () => {
    const root = CapabilityToken.parse((await loginAs(0, { token: await svid(), credential: bound[0]! })).body.access_token as string);
    const sub = await attenuate(root, { to: s.agents[1]!.did, signer: s.agents[0]!.keyPair, trustedRoots: s.rootKey.publicKey, narrowing: { actions: ['read'] } });
    const r = await post(s, { subjectToken: sub.serialize(), subjectType: TOKEN_TYPES.biscuit, by: s.agents[1]!, credential: '', actor: { token: await svid(), type: TOKEN_TYPES.jwtSvid, credential: bound[1]! }, params: { resource: s.api } });
    expect(r.status).toBe(200);
    const { payload } = await jwtVerify(r.body.access_token as string, createRemoteJWKSet(new URL(s.service.jwksUri)), { issuer: s.origin, audience: s.api, typ: 'at+jwt' });
    expect(payload.act).toEqual({ sub: s.agents[1]!.did, spiffe_id: ANALYST, act: { sub: s.agents[0]!.did } });
    expect(payload.client_id).toBe(s.agents[1]!.did);
    expect(s.records.at(-1)!.reason).toContain(`actor workload ${ANALYST}`);
  });

  it('refuses a credential that binds the agent to no SPIFFE ID or to another one', async () => {
    refused(await loginAs(0, { token: await svid(), credential: s.credentials[0]! }), 'unauthorized_client', 'wrong_subject', 'workload');
    refused(await loginAs(2, { token: await svid(), credential: bound[2]! }), 'unauthorized_client', 'wrong_subject', 'workload');
    // Another agent's credential (bound to the same workload): the proof's DID decides.
    refused(await loginAs(0, { token: await svid(), credential: bound[1]! }), 'unauthorized_client', 'wrong_subject', 'subject');
  });

  it('refuses an SVID from an untrusted trust domain, expired, for another audience, with alg none, or signed by another key', async () => {
    refused(await loginAs(0, { token: await svid({ sub: 'spiffe://evil.example/ns/agents/sa/analyst' }), credential: bound[0]! }), 'unauthorized_client', 'untrusted_issuer', 'svid_trust_domain');
    refused(await loginAs(0, { token: await svid({ exp: Math.floor(Date.now() / 1000) - 120 }), credential: bound[0]! }), 'unauthorized_client', 'expired', 'svid_expiry');
    refused(await loginAs(0, { token: await svid({ aud: 'https://elsewhere.example' }), credential: bound[0]! }), 'unauthorized_client', 'wrong_audience', 'svid_audience');
    const [, payload] = (await svid()).split('.');
    refused(await loginAs(0, { token: `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`, credential: bound[0]! }), 'unauthorized_client', 'unsupported_algorithm', 'svid_algorithm');
    const other = await generateKeyPair('ES256');
    refused(await loginAs(0, { token: await svid({}, other.privateKey), credential: bound[0]! }), 'unauthorized_client', 'invalid_signature', 'svid_signature');
    const audit = s.records.at(-1)!;
    expect(audit).toMatchObject({ decision: 'deny', code: 'invalid_signature', agent: s.agents[0]!.did });
    expect(JSON.stringify(s.records)).not.toContain(payload);
  });

  it('refuses a request whose actor_credential is missing or out of place, and an SVID where the service takes none', async () => {
    refused(await loginAs(0, { token: await svid() }), 'invalid_request', 'malformed_input', 'actor_credential');
    refused(await loginAs(0, { token: s.credentials[0]!, type: TOKEN_TYPES.ownershipCredential, credential: bound[0]! }), 'invalid_request', 'malformed_input', 'actor_credential');
    refused(await loginAs(0, { token: await svid(), credential: plain.credentials[0]! }, plain), 'invalid_request', 'malformed_input', 'actor_token_type');
  });

  it('answers junk actor tokens with a coded refusal, never a crash', async () => {
    for (const junk of junkValues) {
      const token = typeof junk === 'string' && junk !== '' ? junk : 'not.a.jwt';
      const r = await loginAs(0, { token, credential: bound[0]! });
      expect(r.status === 400 || r.status === 413).toBe(true);
      expect(['unauthorized_client', 'invalid_request']).toContain(r.body.error);
      expect(typeof r.body.code).toBe('string');
    }
  });

  it('still needs the agent\'s proof: an SVID and a credential without the DID key get nothing', async () => {
    const form = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: idToken,
      subject_token_type: TOKEN_TYPES.idToken,
      actor_token: await svid(),
      actor_token_type: TOKEN_TYPES.jwtSvid,
      actor_credential: bound[0]!,
    });
    const r = await fetch(s.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    expect(await r.json()).toMatchObject({ error: 'invalid_dpop_proof', code: 'signature_required' });
  });
});
