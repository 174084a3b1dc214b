import { patternWithin } from '@agent-id/core';
import { createProof } from '@agent-id/http';
import { CapabilityToken, attenuate, verifyChain } from '@agent-id/tokens';
import fc from 'fast-check';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AgentPolicy, TOKEN_EXCHANGE_GRANT, TOKEN_TYPES } from '../src/index.js';
import { type Service, startService } from './fixture.js';
import { type Idp, logIn, startIdp } from './idp.js';

const CATALOGUE = {
  'orders.read': { resources: ['api:/orders/*'], actions: ['read'] },
  'orders.write': { resources: ['api:/orders/*'], actions: ['write'] },
  'q3.read': { resources: ['api:/orders/q3/*'], actions: ['read'] },
  'q3.delete': { resources: ['api:/orders/q3/*'], actions: ['delete'] },
};
const NAMES = Object.keys(CATALOGUE);
type Name = keyof typeof CATALOGUE;

let idp: Idp;
let s: Service;
let idToken: string;
let policy: AgentPolicy;

beforeAll(async () => {
  idp = await startIdp();
  s = await startService(idp, {
    scopes: CATALOGUE,
    agentPolicy: () => policy,
    apis: { 'https://orders.acme.example/api': { scopes: NAMES } },
  });
  idToken = await logIn(idp, 'alice');
});

afterAll(async () => {
  await s.close();
  await idp.close();
});

function form(fields: Record<string, string | undefined>): string {
  const f = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) f.set(k, v);
  return f.toString();
}

async function exchange(subjectToken: string, subjectType: string, agent: number, extra: Record<string, string | undefined>) {
  const body = form({
    grant_type: TOKEN_EXCHANGE_GRANT,
    subject_token: subjectToken,
    subject_token_type: subjectType,
    actor_token: s.credentials[agent],
    actor_token_type: TOKEN_TYPES.ownershipCredential,
    ...extra,
  });
  const dpop = createProof({ keyId: s.agents[agent]!.keyId, keyPair: s.agents[agent]!.keyPair }, { method: 'POST', url: s.tokenEndpoint, token: subjectToken });
  return await s.service.exchange({ body, dpop });
}

const names = fc.subarray(NAMES as Name[]);
// An empty `scope` is the parameter omitted (RFC 6749 §3.1): only non-empty requests bound the grant.
const requests = fc.option(fc.subarray(NAMES as Name[], { minLength: 1 }), { nil: undefined });

it('a root capability never holds more than was requested, consented and allowed', async () => {
  await fc.assert(
    fc.asyncProperty(names, names, requests, async (consented, allowed, requested) => {
      s.consents.set(`${idp.issuer}|alice|${s.agents[0]!.did}`, consented);
      policy = { scopes: allowed, audience: [s.api] };
      const r = await exchange(idToken, TOKEN_TYPES.idToken, 0, { scope: requested?.join(' ') });
      if (!r.ok) {
        expect(r.body.code).toMatch(/^(denied|scope_widened)$/);
        return;
      }
      const granted = r.body.scope.split(' ') as Name[];
      for (const n of granted) {
        expect(consented).toContain(n);
        expect(allowed).toContain(n);
        if (requested) expect(requested).toContain(n);
      }
      // What the token permits, read independently of the service: every (resource, action) it grants is one a granted name grants.
      const { chain } = await verifyChain(r.body.access_token, { trustedRoots: s.rootKey.publicKey });
      const effective = chain[0]!.granted;
      for (const resource of effective.resources) {
        for (const action of effective.actions) {
          expect(granted.some((n) => CATALOGUE[n].actions.includes(action) && CATALOGUE[n].resources.some((p) => patternWithin(resource, p)))).toBe(true);
        }
      }
    }),
    { numRuns: 40 },
  );
});

const narrowing = fc.record({ actions: fc.subarray(['read', 'write', 'delete'], { minLength: 1 }), q3: fc.boolean() });

it('an access token never carries more than every hop of its capability grants', async () => {
  s.consents.set(`${idp.issuer}|alice|${s.agents[0]!.did}`, NAMES);
  policy = { scopes: NAMES, audience: [s.api], maxDepth: 5 };
  // Not q3.delete: with orders.read it would make a product granting delete on all orders.
  const root = await exchange(idToken, TOKEN_TYPES.idToken, 0, { scope: 'orders.read orders.write q3.read' });
  expect(root.ok).toBe(true);
  const rootToken = CapabilityToken.parse((root as { body: { access_token: string } }).body.access_token);
  await fc.assert(
    fc.asyncProperty(fc.array(narrowing, { minLength: 0, maxLength: 3 }), requests, async (hops, requested) => {
      let token = rootToken;
      let actions = ['read', 'write'];
      let resources = ['api:/orders/*', 'api:/orders/q3/*'];
      for (let i = 0; i < hops.length; i++) {
        const h = hops[i]!;
        actions = actions.filter((a) => h.actions.includes(a));
        if (actions.length === 0) return;
        if (h.q3) resources = ['api:/orders/q3/*'];
        token = await attenuate(token, { to: s.agents[i + 1]!.did, signer: s.agents[i]!.keyPair, trustedRoots: s.rootKey.publicKey, narrowing: { actions, resources } });
      }
      const r = await exchange(token.serialize(), TOKEN_TYPES.biscuit, hops.length, { resource: s.api, scope: requested?.join(' ') });
      if (!r.ok) {
        expect(r.body.error).toBe('invalid_scope');
        return;
      }
      const claims = decodeJwt(r.body.access_token);
      expect(claims.aud).toBe(s.api);
      const chain = r.entry.record.chain;
      expect(chain).toHaveLength(hops.length + 1);
      expect(claims.exp).toBeLessThanOrEqual(chain.at(-1)!.granted.expiresAt);
      for (const n of String(claims.scope).split(' ') as Name[]) {
        if (requested) expect(requested).toContain(n);
        for (const hop of chain) {
          for (const a of CATALOGUE[n].actions) expect(hop.granted.actions).toContain(a);
          for (const res of CATALOGUE[n].resources) expect(hop.granted.resources.some((p) => patternWithin(res, p))).toBe(true);
        }
      }
    }),
    { numRuns: 40 },
  );
});
