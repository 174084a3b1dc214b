import type { AuditRecord, AuditSink } from '@agent-id/core';
import { createDidResolver } from '@agent-id/did';
import { beforeAll, describe, expect, it } from 'vitest';
import { CredentialCache, type GuardedRequest, HttpGuard, type HttpGuardOptions, type ReplayStore, ReplayCache, createProof, routeTable } from '../src/index.js';
import { type Parties, chain, parties, signerOf } from './fixture.js';

// What a guard keeps between requests (tokens seen before, route answers, the cached
// credential answered without a promise, a replay store that answers with a promise) never
// lets a request through that the same guard without them would refuse.

const RESOURCE = 'https://tools.example/api';
const URL_42 = 'https://tools.example/orders/42';
let p: Parties;
let token: string;

function sink(): AuditSink & { records: AuditRecord[] } {
  const records: AuditRecord[] = [];
  return { records, append: async (record) => ({ seq: records.push(record) - 1, prevHash: '', hash: '', record }) };
}

function guardOf(extra: Partial<HttpGuardOptions> = {}) {
  const audit = sink();
  const guard = new HttpGuard({
    resource: RESOURCE,
    map: routeTable('api', [{ method: 'GET', path: '/orders/*', action: 'read' }]),
    resolver: createDidResolver(),
    trustedIssuers: [p.org.did],
    trustedRoots: [p.rootKey.publicKey],
    audit,
    ...extra,
  });
  return { guard, audit };
}

function request(headers: Record<string, string>, target = '/orders/42'): GuardedRequest {
  return { method: 'GET', target, header: (name) => headers[name] };
}

const proofFor = (text: string, who = 1) => createProof(signerOf(p.agents[who]!), { method: 'GET', url: URL_42, token: text });

beforeAll(async () => {
  p = await parties();
  token = (await chain(p, RESOURCE, 1)).serialize();
});

describe('the guard between requests', () => {
  it('a token seen before: the same text is allowed again; another text under the same short name is read and refused on its own', async () => {
    const { guard } = guardOf();
    const first = await guard.check(request({ authorization: `DPoP ${token}`, dpop: proofFor(token), 'agent-credential': p.credentials[1]! }));
    expect(first).toMatchObject({ decision: 'allow', agent: p.agents[1]!.did });
    const again = await guard.check(request({ authorization: `DPoP ${token}`, dpop: proofFor(token) }));
    expect(again.decision).toBe('allow');
    // Handed to every handler that sees this token: nobody can change it for the next one.
    expect(again.decision === 'allow' && Object.isFrozen(again.token)).toBe(true);
    expect(String(again.decision === 'allow' ? again.token : '')).toContain('redacted');
    // Same length and last characters, one character changed before them: not the token seen before.
    for (const at of [0, token.length >> 1, token.length - 60]) {
      const forged = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
      const refused = await guard.check(request({ authorization: `DPoP ${forged}`, dpop: proofFor(forged) }));
      expect(refused).toMatchObject({ decision: 'deny', status: 401 });
      expect(['invalid_signature', 'malformed_input', 'untrusted_issuer']).toContain(refused.decision === 'deny' ? refused.body.code : 'allowed');
    }
    const forged = `${token[0] === "A" ? "B" : "A"}${token.slice(1)}`;
    // A proof made for the forged text does not carry the real token's hash either.
    expect(await guard.check(request({ authorization: `DPoP ${token}`, dpop: proofFor(forged) }))).toMatchObject({ decision: 'deny', body: { code: 'request_mismatch', check: 'ath' } });
  });

  it('a token seen before is still bound to its holder, its audience and the route', async () => {
    const { guard } = guardOf();
    expect((await guard.check(request({ authorization: `DPoP ${token}`, dpop: proofFor(token), 'agent-credential': p.credentials[1]! }))).decision).toBe('allow');
    // Agent 2 is vouched for, but the token names agent 1 as its holder.
    const other = await guard.check(request({ authorization: `DPoP ${token}`, dpop: proofFor(token, 2), 'agent-credential': p.credentials[2]! }));
    expect(other).toMatchObject({ decision: 'deny', body: { code: 'holder_mismatch' } });
    const { guard: elsewhere } = guardOf({ resource: 'https://elsewhere.example/api' });
    const proof = createProof(signerOf(p.agents[1]!), { method: 'GET', url: 'https://elsewhere.example/orders/42', token });
    expect(await elsewhere.check(request({ authorization: `DPoP ${token}`, dpop: proof, 'agent-credential': p.credentials[1]! }))).toMatchObject({ decision: 'deny', body: { code: 'wrong_audience' } });
    expect(await guard.check(request({ authorization: `DPoP ${token}`, dpop: proofFor(token) }, '/invoices/1'))).toMatchObject({ decision: 'deny', body: { code: 'denied', check: 'route' } });
  });

  it('the token text is trimmed only around it: spaces and tabs around a token are accepted, inside it are not', async () => {
    const { guard } = guardOf();
    expect((await guard.check(request({ authorization: `DPoP  ${token}\t`, dpop: proofFor(token), 'agent-credential': p.credentials[1]! }))).decision).toBe('allow');
    const split = `${token.slice(0, 10)} ${token.slice(10)}`;
    expect(await guard.check(request({ authorization: `DPoP ${split}`, dpop: proofFor(token) }))).toMatchObject({ decision: 'deny', body: { code: 'malformed_input', check: 'authorization' } });
    expect(await guard.check(request({ authorization: `dpop ${token}`, dpop: proofFor(token) }))).toMatchObject({ decision: 'allow' });
  });

  it('route answers are kept by method and path, frozen, and the same as the first time; the query is read when a mapper asks', async () => {
    const map = routeTable('api', [
      { method: 'GET', path: '/orders/*', action: 'read' },
      { method: 'POST', path: '/orders/*', action: 'write' },
    ]);
    const facts = (method: string, path: string) => ({ method, path, query: new URLSearchParams(), header: () => undefined });
    const first = await map(facts('GET', '/orders/%34%32'));
    expect(first).toEqual({ action: 'read', resource: 'api:/orders/42' });
    expect(await map(facts('GET', '/orders/%34%32'))).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(await map(facts('POST', '/orders/%34%32'))).toEqual({ action: 'write', resource: 'api:/orders/42' });
    expect(await map(facts('DELETE', '/orders/42'))).toBeUndefined();
    expect(await map(facts('DELETE', '/orders/42'))).toBeUndefined();
    // A refusal is decided again each time, never kept.
    expect(() => map(facts('GET', '/Orders/42'))).toThrow(/another route/);
    expect(() => map(facts('GET', '/Orders/42'))).toThrow(/another route/);

    let seen: string | null = null;
    const { guard } = guardOf({
      map: (f) => {
        seen = f.query.get('full');
        return { action: 'read', resource: 'api:/orders/42' };
      },
    });
    const d = await guard.check(request({ authorization: `DPoP ${token}`, dpop: proofFor(token), 'agent-credential': p.credentials[1]! }, '/orders/42?full=1&x=%20'));
    expect(d.decision).toBe('allow');
    expect(seen).toBe('1');
  });

  it('the cached credential is served without a promise only when the agent sent none, it is trusted here and carries no status', async () => {
    const cache = new CredentialCache();
    const check = { resolver: createDidResolver(), trustedIssuers: [p.org.did] };
    expect(cache.cachedWithoutStatus(p.agents[1]!.did, undefined, check)).toBeUndefined();
    const verified = await cache.verified(p.agents[1]!.did, p.credentials[1]!, check);
    expect(cache.cachedWithoutStatus(p.agents[1]!.did, undefined, check)).toBe(verified);
    expect(cache.cachedWithoutStatus(p.agents[1]!.did, p.credentials[1]!, check)).toBeUndefined();
    expect(cache.cachedWithoutStatus(p.agents[1]!.did, undefined, { ...check, trustedIssuers: [p.strangerOrg.did] })).toBeUndefined();
    expect(cache.cachedWithoutStatus(p.agents[2]!.did, undefined, check)).toBeUndefined();
    const { guard } = guardOf({ credentials: cache, trustedIssuers: [p.strangerOrg.did] });
    // Cached, but from an organisation this guard does not trust.
    expect(await guard.check(request({ authorization: `DPoP ${token}`, dpop: proofFor(token) }))).toMatchObject({ decision: 'deny', body: { code: 'credential_required' } });
  });

  it('a replay store that answers with a promise admits exactly one of 12 concurrent identical proofs', async () => {
    const inner = new ReplayCache();
    const replay: ReplayStore = { claim: async (id, expiresAtMs) => inner.claim(id, expiresAtMs) };
    const { guard, audit } = guardOf({ replay });
    expect((await guard.check(request({ authorization: `DPoP ${token}`, dpop: proofFor(token), 'agent-credential': p.credentials[1]! }))).decision).toBe('allow');
    const proof = proofFor(token);
    const results = await Promise.all(Array.from({ length: 12 }, () => guard.check(request({ authorization: `DPoP ${token}`, dpop: proof }))));
    expect(results.filter((r) => r.decision === 'allow')).toHaveLength(1);
    for (const r of results.filter((x) => x.decision === 'deny')) expect(r).toMatchObject({ status: 401, body: { code: 'replayed', check: 'jti' } });
    expect(audit.records.filter((r) => r.decision === 'deny')).toHaveLength(11);
    // The synchronous store (the default) too.
    const sync = guardOf();
    expect((await sync.guard.check(request({ authorization: `DPoP ${token}`, dpop: proofFor(token), 'agent-credential': p.credentials[1]! }))).decision).toBe('allow');
    const again = proofFor(token);
    const both = await Promise.all(Array.from({ length: 12 }, () => sync.guard.check(request({ authorization: `DPoP ${token}`, dpop: again }))));
    expect(both.filter((r) => r.decision === 'allow')).toHaveLength(1);
  });
});
