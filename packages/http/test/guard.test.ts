import { verifyAuditLog } from '@agent-id/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonceIssuer, createAgentFetch, createProof, metadataUrlOf } from '../src/index.js';
import { type GuardedServer, type Parties, chain, guardedServer, parties, signerOf } from './fixture.js';

let p: Parties;
let s: GuardedServer;

beforeAll(async () => {
  p = await parties();
  s = await guardedServer(p);
});
afterAll(() => s.close());

/** A request signed by hand: token, proof by `signer` for `method url`, credential of agent `who`. */
async function send(url: string, o: { token?: string; proof?: string | null; scheme?: string; credential?: string | null; method?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...o.headers };
  if (o.token !== undefined) headers.authorization = `${o.scheme ?? 'DPoP'} ${o.token}`;
  if (typeof o.proof === 'string') headers.dpop = o.proof;
  if (typeof o.credential === 'string') headers['agent-credential'] = o.credential;
  const response = await fetch(url, { method: o.method ?? 'GET', headers });
  const text = await response.text();
  return { status: response.status, challenge: response.headers.get('www-authenticate'), nonce: response.headers.get('dpop-nonce'), body: JSON.parse(text) as Record<string, unknown>, text };
}

describe('one-request presentation over node:http', () => {
  it('allows the final holder with its proof, sending the credential once; audits method, path and both principals', async () => {
    const token = await chain(p, s.origin, 2);
    const agentFetch = createAgentFetch({ agent: signerOf(p.agents[2]!), token, credential: p.credentials[2]! });
    const first = await agentFetch(`${s.origin}/orders/42`);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ ok: true, agent: p.agents[2]!.did, onBehalfOf: 'did:web:acme.example:users:alice', resource: 'api:/orders/42', action: 'read' });
    // Second request: no credential header; the server's cache vouches.
    const bare = await send(`${s.origin}/orders/43`, { token: token.serialize(), proof: createProof(signerOf(p.agents[2]!), { method: 'GET', url: `${s.origin}/orders/43`, token: token.serialize() }) });
    expect(bare.status).toBe(200);
    const entries = await verifyAuditLog(s.log.path);
    const last = entries.at(-1)!.record;
    expect(last).toMatchObject({ decision: 'allow', agent: p.agents[2]!.did, onBehalfOf: 'did:web:acme.example:users:alice', task: 'task-1', http: { method: 'GET', path: '/orders/43' } });
    expect(last.chain.map((h) => h.to)).toEqual([p.agents[0]!.did, p.agents[1]!.did, p.agents[2]!.did]);
  });

  it('serves RFC 9728 metadata at the well-known URL derived from the resource identifier', async () => {
    const response = await fetch(metadataUrlOf(s.origin));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      resource: s.origin,
      bearer_methods_supported: ['header'],
      dpop_signing_alg_values_supported: ['EdDSA', 'ES256', 'ES256K'],
      dpop_bound_access_tokens_required: true,
      agent_id_token_formats_supported: ['biscuit'],
      agent_id_trusted_issuers: [p.org.did],
    });
  });

  it('refuses each broken presentation with status, WWW-Authenticate and code', async () => {
    const token = (await chain(p, s.origin, 1)).serialize();
    const url = `${s.origin}/orders/1`;
    const holder = signerOf(p.agents[1]!);
    const proof = (o: Partial<Parameters<typeof createProof>[1]> = {}, who = holder) => createProof(who, { method: 'GET', url, token, ...o });
    const cred = p.credentials[1]!;
    const meta = `resource_metadata="${metadataUrlOf(s.origin)}"`;

    const none = await send(url);
    expect(none).toMatchObject({ status: 401, body: { code: 'credential_required', check: 'authorization' } });
    expect(none.challenge).toBe(`DPoP algs="EdDSA ES256 ES256K", ${meta}`);

    const bearer = await send(url, { token, scheme: 'Bearer', proof: proof(), credential: cred });
    expect(bearer).toMatchObject({ status: 401, body: { error: 'invalid_token', code: 'signature_required', check: 'proof' } });
    expect(bearer.challenge).toContain('error="invalid_token"');

    // The Authorization value: not token68 at all (any scheme) is the header's fault; token68 that is no token is the token's.
    for (const [value, status, check] of [
      ['DPoP a b', 400, 'authorization'],
      ['DPoP ab=c', 400, 'authorization'],
      ['DPoP ', 400, 'authorization'],
      [`Bearer ${token}!`, 400, 'authorization'],
      ['Basic a b', 400, 'authorization'],
      ['Basic abc', 400, 'authorization'],
      ['DPoP a.b', 401, 'parse'],
      [`DPoP ${token}=`, 401, 'parse'],
    ] as const) {
      const refused = await send(url, { proof: proof(), credential: cred, headers: { authorization: value } });
      expect([refused.status, refused.body.code, refused.body.check], value.slice(0, 20)).toEqual([status, 'malformed_input', check]);
    }

    const noProof = await send(url, { token, credential: cred });
    expect(noProof).toMatchObject({ status: 401, body: { error: 'invalid_dpop_proof', code: 'signature_required', check: 'proof' } });
    expect(noProof.challenge).toContain('error="invalid_dpop_proof"');
    expect(noProof.challenge).toContain(meta);

    // The proof of another agent (agent 2 holds its own credential, but the token is agent 1's).
    const other = await send(url, { token, proof: proof({}, signerOf(p.agents[2]!)), credential: p.credentials[2]! });
    expect(other).toMatchObject({ status: 401, body: { error: 'invalid_token', code: 'holder_mismatch' } });

    expect(await send(url, { token, proof: proof({ method: 'POST' }), credential: cred })).toMatchObject({ status: 401, body: { code: 'request_mismatch', check: 'htm' } });
    expect(await send(url, { token, proof: proof({ url: `${s.origin}/orders/2` }), credential: cred })).toMatchObject({ status: 401, body: { code: 'request_mismatch', check: 'htu' } });
    const otherToken = (await chain(p, s.origin, 1)).serialize();
    expect(await send(url, { token, proof: proof({ token: otherToken }), credential: cred })).toMatchObject({ status: 401, body: { code: 'request_mismatch', check: 'ath' } });
    const stale = () => Date.now() - 120_000;
    expect(await send(url, { token, proof: proof({ clock: stale }), credential: cred })).toMatchObject({ status: 401, body: { code: 'expired', check: 'proof_iat' } });
    const ahead = () => Date.now() + 60_000;
    expect(await send(url, { token, proof: proof({ clock: ahead }), credential: cred })).toMatchObject({ status: 401, body: { code: 'not_yet_valid', check: 'proof_iat' } });

    // Outside the token's scope: 403 insufficient_scope naming what was needed.
    const del = await send(`${s.origin}/admin/x`, { token, proof: proof({ url: `${s.origin}/admin/x` }), credential: cred });
    expect(del).toMatchObject({ status: 403, body: { error: 'insufficient_scope', code: 'denied', check: 'route' } });
    const readOnly = (await chain(p, s.origin, 1, { actions: ['read'] })).serialize();
    const post = await send(url, { method: 'POST', token: readOnly, proof: createProof(holder, { method: 'POST', url, token: readOnly }), credential: cred });
    expect(post).toMatchObject({ status: 403, body: { error: 'insufficient_scope', code: 'denied', check: 'actions', required: { action: 'write', resource: 'api:/orders/1' } } });

    // A token for another resource (RFC 8707 audience).
    const elsewhere = (await chain(p, 'https://other.example', 1)).serialize();
    expect(await send(url, { token: elsewhere, proof: proof({ token: elsewhere }), credential: cred })).toMatchObject({ status: 401, body: { code: 'wrong_audience' } });

    // Every refusal is in the audit log too, none with token text.
    const entries = await verifyAuditLog(s.log.path);
    expect(entries.filter((e) => e.record.decision === 'deny').length).toBeGreaterThanOrEqual(11);
    for (const response of [none, bearer, noProof, other, del, post]) expect(response.text).not.toContain(token.slice(0, 40));
  });

  it('accepts a proof once: a replay, and all but one of 16 concurrent copies, are refused', async () => {
    const token = (await chain(p, s.origin, 1)).serialize();
    const url = `${s.origin}/orders/7`;
    const proof = createProof(signerOf(p.agents[1]!), { method: 'GET', url, token });
    const results = await Promise.all(Array.from({ length: 16 }, () => send(url, { token, proof, credential: p.credentials[1]! })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect(r).toMatchObject({ status: 401, body: { code: 'replayed', check: 'jti' } });
    expect(await send(url, { token, proof, credential: p.credentials[1]! })).toMatchObject({ status: 401, body: { code: 'replayed' } });
  });

  it('refuses expired and revoked tokens, and an agent the server never got a credential for', async () => {
    const url = `${s.origin}/orders/9`;
    const expired = (await chain(p, s.origin, 1, { expiresAt: Math.floor(Date.now() / 1000) - 10 })).serialize();
    const signer = signerOf(p.agents[1]!);
    expect(await send(url, { token: expired, proof: createProof(signer, { method: 'GET', url, token: expired }), credential: p.credentials[1]! })).toMatchObject({
      status: 401,
      body: { error: 'invalid_token', code: 'expired' },
    });
    const fresh = await chain(p, s.origin, 3);
    const text = fresh.serialize();
    const stranger = signerOf(p.agents[3]!);
    // Agent 3 never sent its credential: the first request without one is refused.
    expect(await send(url, { token: text, proof: createProof(stranger, { method: 'GET', url, token: text }) })).toMatchObject({ status: 401, body: { code: 'credential_required', check: 'ownership_credential' } });
    expect((await send(url, { token: text, proof: createProof(stranger, { method: 'GET', url, token: text }), credential: p.credentials[3]! })).status).toBe(200);
    await s.revocations.revoke({ kind: 'agent', did: p.agents[2]!.did });
    expect(await send(url, { token: text, proof: createProof(stranger, { method: 'GET', url, token: text }) })).toMatchObject({ status: 401, body: { code: 'revoked', check: 'revocation_agent' } });
  });

  it('a credential from an untrusted organisation, or about another agent, is refused', async () => {
    const url = `${s.origin}/orders/5`;
    const token = (await chain(p, s.origin, 1)).serialize();
    const { issueOwnershipCredential } = await import('@agent-id/did');
    const foreign = await issueOwnershipCredential(p.strangerOrg, { agent: p.agents[1]!.did });
    const fresh = await guardedServer(p);
    try {
      const u = `${fresh.origin}/orders/5`;
      const t = (await chain(p, fresh.origin, 1)).serialize();
      expect(await send(u, { token: t, proof: createProof(signerOf(p.agents[1]!), { method: 'GET', url: u, token: t }), credential: foreign })).toMatchObject({ status: 401, body: { code: 'untrusted_issuer' } });
      expect(await send(u, { token: t, proof: createProof(signerOf(p.agents[1]!), { method: 'GET', url: u, token: t }), credential: p.credentials[2]! })).toMatchObject({ status: 401, body: { code: 'wrong_subject' } });
    } finally {
      await fresh.close();
    }
    expect(url && token).toBeTruthy();
  });
});

describe('server nonces', () => {
  let n: GuardedServer;
  beforeAll(async () => {
    n = await guardedServer(p, { nonces: new NonceIssuer({ lifetimeSec: 60 }) });
  });
  afterAll(() => n.close());

  it('a proof without the nonce gets use_dpop_nonce and a fresh DPoP-Nonce; a wrong nonce too; the client fetch retries once and succeeds', async () => {
    const token = (await chain(p, n.origin, 1)).serialize();
    const url = `${n.origin}/orders/1`;
    const signer = signerOf(p.agents[1]!);
    const missing = await send(url, { token, proof: createProof(signer, { method: 'GET', url, token }), credential: p.credentials[1]! });
    expect(missing).toMatchObject({ status: 401, body: { error: 'use_dpop_nonce', code: 'nonce_required' } });
    expect(missing.challenge).toContain('error="use_dpop_nonce"');
    expect(missing.nonce).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{22}$/);
    const forged = `${missing.nonce!.split('.')[0]}.AAAAAAAAAAAAAAAAAAAAAA`;
    expect(await send(url, { token, proof: createProof(signer, { method: 'GET', url, token, nonce: forged }), credential: p.credentials[1]! })).toMatchObject({ status: 401, body: { code: 'nonce_required' } });
    expect((await send(url, { token, proof: createProof(signer, { method: 'GET', url, token, nonce: missing.nonce! }), credential: p.credentials[1]! })).status).toBe(200);
    const agentFetch = createAgentFetch({ agent: signer, token, credential: p.credentials[1]! });
    expect((await agentFetch(`${n.origin}/orders/2`)).status).toBe(200);
  });
});

describe('checkEach: several operations in one request', () => {
  it('allows only when every operation is, and audits once all are decided: each allow, or only the refusal', async () => {
    const token = (await chain(p, s.origin, 1, { actions: ['read'] })).serialize();
    const holder = signerOf(p.agents[1]!);
    const request = (target: string) => {
      const headers: Record<string, string> = {
        authorization: `DPoP ${token}`,
        dpop: createProof(holder, { method: 'POST', url: `${s.origin}${target}`, token }),
        'agent-credential': p.credentials[1]!,
      };
      return { method: 'POST', target, header: (name: string) => headers[name] };
    };
    const count = async () => (await verifyAuditLog(s.log.path)).length;
    const start = await count();

    const refused = await s.guard.checkEach(request('/batch/1'), () => [
      { action: 'read', resource: 'api:/orders/1' },
      { action: 'write', resource: 'api:/orders/1' },
      { action: 'read', resource: 'api:/orders/2' },
    ]);
    expect(Array.isArray(refused)).toBe(false);
    expect(refused).toMatchObject({ decision: 'deny', status: 403, body: { code: 'denied' } });
    const afterRefused = (await verifyAuditLog(s.log.path)).slice(start).map((e) => e.record);
    expect(afterRefused.map((r) => [r.decision, r.action, r.resource])).toEqual([['deny', 'write', 'api:/orders/1']]);

    const allowed = await s.guard.checkEach(request('/batch/2'), () => [
      { action: 'read', resource: 'api:/orders/1' },
      { action: 'read', resource: 'api:/orders/2' },
    ]);
    expect(Array.isArray(allowed) && allowed.map((d) => [d.decision, d.resource, d.entry.seq])).toEqual([
      ['allow', 'api:/orders/1', start + 1],
      ['allow', 'api:/orders/2', start + 2],
    ]);
    expect(await count()).toBe(start + 3);

    // No operation at all is no route: refused and audited like an unmapped request.
    const none = await s.guard.checkEach(request('/batch/3'), () => []);
    expect(none).toMatchObject({ decision: 'deny', body: { code: 'denied', check: 'route' } });
    expect(await count()).toBe(start + 4);
  });
});
