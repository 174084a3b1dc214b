import { AgentIdError } from '@agent-id/core';
import { createDidResolver } from '@agent-id/did';
import { junk, junkValues } from '@agent-id/test-support';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonceIssuer, ReplayCache, createProof, normalizeHtu, routeTable, verifyProof } from '../src/index.js';
import { type GuardedServer, type Parties, chain, guardedServer, parties, signerOf } from './fixture.js';

let p: Parties;
let s: GuardedServer;
beforeAll(async () => {
  p = await parties();
  s = await guardedServer(p);
});
afterAll(() => s.close());

const isCoded = (e: unknown) => e instanceof AgentIdError;

describe('junk of every type', () => {
  it('verifyProof refuses junk proofs with a coded error', async () => {
    const options = { method: 'GET', url: 'https://x.example/a', token: 'abc', resolver: createDidResolver(), replay: new ReplayCache() };
    for (const [label, value] of junk) {
      const error = await verifyProof(value, options).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isCoded(error), label).toBe(true);
    }
  });

  it('normalizeHtu and route tables refuse junk with malformed_input; nonces never accept junk', () => {
    const map = routeTable('api', [{ method: '*', path: '/*', action: 'read' }]);
    const nonces = new NonceIssuer();
    for (const [label, value] of junk) {
      expect(() => normalizeHtu(value as string), label).toThrow(AgentIdError);
      expect(nonces.accepts(value), label).toBe(false);
      if (typeof value === 'string' && value.startsWith('/')) continue;
      expect(() => map({ method: 'GET', path: value as string, query: new URLSearchParams(), header: () => undefined }), label).toThrow(AgentIdError);
    }
    for (const path of ['/a/%2F/b', '/a//b', '/a/%5C', '/a\\b', '/a/%00']) {
      expect(() => map({ method: 'GET', path, query: new URLSearchParams(), header: () => undefined }), path).toThrow(AgentIdError);
    }
  });

  it('the guard answers junk in every header and target with a coded refusal, never a crash', async () => {
    const values = junkValues.filter((v): v is string => typeof v === 'string');
    for (const value of values) {
      for (const name of ['authorization', 'dpop', 'agent-credential']) {
        const headers: Record<string, string> = { authorization: 'DPoP abc', dpop: 'a.b.c' };
        headers[name] = value;
        const decision = await s.guard.check({ method: 'GET', target: '/orders/1', header: (n) => headers[n] });
        expect(decision.decision, `${name}: ${value.slice(0, 20)}`).toBe('deny');
        if (decision.decision === 'deny') expect(typeof decision.code).toBe('string');
      }
      const decision = await s.guard.check({ method: 'GET', target: value, header: () => undefined });
      expect(decision.decision).toBe('deny');
    }
    // A header sent twice.
    const twice = await s.guard.check({ method: 'GET', target: '/orders/1', header: (n) => (n === 'dpop' ? ['a', 'b'] : n === 'authorization' ? 'DPoP abc' : undefined) });
    expect(twice).toMatchObject({ decision: 'deny', code: 'malformed_input', check: 'dpop' });
    // And over the wire: raw junk header values node accepts.
    for (const value of ['DPoP', 'DPoP ', 'DPoP a b', 'Basic Zm9vOmJhcg==', `DPoP ${'A'.repeat(70_000)}`, 'dpop ..', 'DPoP ==']) {
      const response = await fetch(`${s.origin}/orders/1`, { headers: { authorization: value, dpop: value } });
      // Node itself answers 431 to headers over its 16 KiB limit, before the guard sees them.
      if (value.length > 16_384) {
        expect(response.status).toBe(431);
        continue;
      }
      expect([400, 401]).toContain(response.status);
      expect(typeof ((await response.json()) as { code?: unknown }).code).toBe('string');
    }
  });
});

describe('properties', () => {
  it('any single changed byte of a valid proof makes it refused, with a code', async () => {
    const token = (await chain(p, 'https://x.example', 1)).serialize();
    const url = 'https://x.example/a';
    const resolver = createDidResolver();
    const proof = createProof(signerOf(p.agents[1]!), { method: 'GET', url, token });
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: proof.length - 1 }), fc.integer({ min: 1, max: 127 }), async (at, delta) => {
        const code = proof.charCodeAt(at);
        const changed = `${proof.slice(0, at)}${String.fromCharCode(((code + delta) % 127) + 1)}${proof.slice(at + 1)}`;
        if (changed === proof) return;
        const outcome = await verifyProof(changed, { method: 'GET', url, token, resolver, replay: new ReplayCache() }).then(
          () => 'accepted',
          (e: unknown) => (isCoded(e) ? 'refused' : `crashed: ${String(e)}`),
        );
        // Base64url has spare bits in its last character: a change there may decode to the same bytes.
        if (outcome === 'accepted') expect(Buffer.from(changed.split('.')[2] ?? '', 'base64url').equals(Buffer.from(proof.split('.')[2]!, 'base64url')) && changed.split('.').slice(0, 2).join('.') === proof.split('.').slice(0, 2).join('.')).toBe(true);
        else expect(outcome).toBe('refused');
      }),
      { numRuns: 300 },
    );
  });

  it('whatever the order of concurrent claims, a replay store accepts each id exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 40 }), async (ids) => {
        const store = new ReplayCache({ maxEntries: 100 });
        const results = await Promise.all(ids.map(async (id) => [id, await store.claim(id, Date.now() + 60_000)] as const));
        for (const id of new Set(ids)) expect(results.filter(([i, fresh]) => i === id && fresh)).toHaveLength(1);
      }),
    );
  });
});
