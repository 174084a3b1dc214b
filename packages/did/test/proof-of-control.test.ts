import { fixedClock, manualClock } from '@agent-id/core';
import { describe, expect, it } from 'vitest';
import {
  ChallengeStore,
  createAgentIdentity,
  createDidResolver,
  issueOwnershipCredential,
  presentOwnership,
  verifyProofOfControl,
} from '../src/index.js';
import { expectCode } from '@agent-id/test-support';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const org = createAgentIdentity();
const agent = createAgentIdentity({ keyType: 'P-256' });
const verifierDid = 'did:web:api.acme.example';
const resolver = createDidResolver();

async function setup(clock = manualClock(T0)) {
  const challenges = new ChallengeStore({ audience: verifierDid, ttlMs: 30_000, clock });
  const credential = await issueOwnershipCredential(org, { agent: agent.did, onBehalfOf: 'user:alice', agentName: 'planner', clock });
  return { clock, challenges, credential, opts: { challenges, trustedIssuers: [org.did], clock } };
}

describe('proof of control', () => {
  it('tells the verifier who the agent is, who operates it and for whom it acts', async () => {
    const { challenges, credential, opts, clock } = await setup();
    const vp = presentOwnership(agent, credential, challenges.issue(), { clock });
    const who = await verifyProofOfControl(vp, resolver, opts);
    expect(who).toMatchObject({ agent: agent.did, operator: org.did, onBehalfOf: 'user:alice', agentName: 'planner', keyId: agent.keyId });
  });

  it('rejects a replayed nonce', async () => {
    const { challenges, credential, opts, clock } = await setup();
    const vp = presentOwnership(agent, credential, challenges.issue(), { clock });
    await verifyProofOfControl(vp, resolver, opts);
    await expectCode(verifyProofOfControl(vp, resolver, opts), 'replayed');
  });

  it('rejects a nonce this verifier never issued', async () => {
    const { credential, opts, clock } = await setup();
    const vp = presentOwnership(agent, credential, { nonce: 'made-up', audience: verifierDid, expiresAt: T0 + 10_000 }, { clock });
    await expectCode(verifyProofOfControl(vp, resolver, opts), 'unknown_challenge');
  });

  it('rejects a presentation for another audience', async () => {
    const { challenges, credential, opts, clock } = await setup();
    const c = challenges.issue();
    const vp = presentOwnership(agent, credential, { ...c, audience: 'did:web:other.example' }, { clock });
    await expectCode(verifyProofOfControl(vp, resolver, opts), 'wrong_audience');
  });

  it('rejects an expired challenge', async () => {
    const { challenges, credential, opts, clock } = await setup();
    const vp = presentOwnership(agent, credential, challenges.issue(), { clock });
    clock.advance(31_000);
    await expectCode(verifyProofOfControl(vp, resolver, opts), 'expired');
  });

  it('rejects another agent presenting a stolen credential', async () => {
    const { challenges, credential, opts, clock } = await setup();
    const thief = createAgentIdentity();
    const vp = presentOwnership(thief, credential, challenges.issue(), { clock });
    await expectCode(verifyProofOfControl(vp, resolver, opts), 'wrong_subject');
  });

  it('rejects a presentation signed with a key that is not the claimed one', async () => {
    const { challenges, credential, opts, clock } = await setup();
    const impostor = createAgentIdentity({ keyType: 'P-256' });
    const vp = presentOwnership({ ...agent, keyPair: impostor.keyPair }, credential, challenges.issue(), { clock });
    await expectCode(verifyProofOfControl(vp, resolver, opts), 'invalid_signature');
  });

  it('rejects a credential from an untrusted organisation and a revoked one', async () => {
    const { challenges, credential, clock } = await setup();
    const vp1 = presentOwnership(agent, credential, challenges.issue(), { clock });
    await expectCode(verifyProofOfControl(vp1, resolver, { challenges, trustedIssuers: ['did:web:nobody'], clock }), 'untrusted_issuer');
    const vp2 = presentOwnership(agent, credential, challenges.issue(), { clock });
    await expectCode(verifyProofOfControl(vp2, resolver, { challenges, trustedIssuers: [org.did], clock, isRevoked: () => true }), 'revoked');
  });

  it('challenge store bounds outstanding nonces', () => {
    const store = new ChallengeStore({ audience: verifierDid, maxOutstanding: 2, clock: fixedClock(T0) });
    const a = store.issue();
    store.issue();
    store.issue();
    expect(() => store.consume(a.nonce)).toThrow(expect.objectContaining({ code: 'unknown_challenge' }));
    expect(() => store.consume(42)).toThrow(expect.objectContaining({ code: 'malformed_input' }));
  });

  it('a bound on outstanding nonces or cached documents, or a challenge lifetime, below one is a caller bug: TypeError at creation', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new ChallengeStore({ audience: verifierDid, maxOutstanding: bad })).toThrow(TypeError);
      expect(() => new ChallengeStore({ audience: verifierDid, ttlMs: bad })).toThrow(TypeError);
      expect(() => createDidResolver({ maxCacheEntries: bad })).toThrow(TypeError);
    }
  });
});

describe('proof of control never fetches what an unauthenticated caller names', () => {
  it('checks audience, nonce and the credential before resolving the presenter', async () => {
    const { startServer } = await import('./helpers.js');
    const server = await startServer();
    try {
      const clock = manualClock(T0);
      const challenges = new ChallengeStore({ audience: verifierDid, clock });
      const credential = await issueOwnershipCredential(org, { agent: agent.did, clock });
      const web = createAgentIdentity({ method: 'web', domain: server.host, path: ['internal', 'admin'] });
      const r = createDidResolver({ allowHttpLoopback: true });
      const opts = { challenges, trustedIssuers: [org.did], clock };
      // wrong audience, unknown nonce, credential about someone else: none reaches the network
      await expectCode(verifyProofOfControl(presentOwnership(web, credential, { ...challenges.issue(), audience: 'did:web:x' }, { clock }), r, opts), 'wrong_audience');
      await expectCode(verifyProofOfControl(presentOwnership(web, credential, { nonce: 'n', audience: verifierDid, expiresAt: T0 + 1e4 }, { clock }), r, opts), 'unknown_challenge');
      await expectCode(verifyProofOfControl(presentOwnership(web, credential, challenges.issue(), { clock }), r, opts), 'wrong_subject');
      expect(server.hits.size).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe('request binding', () => {
  it('a presentation signs the request it authorises and cannot be moved to another', async () => {
    const { challenges, credential, opts, clock } = await setup();
    const request = { resource: 'db:orders', action: 'read', task: 't-1' };
    const vp = presentOwnership(agent, credential, challenges.issue(), { clock, request });
    await expectCode(verifyProofOfControl(vp, resolver, { ...opts, request: { ...request, action: 'delete' } }), 'request_mismatch');
    const unbound = presentOwnership(agent, credential, challenges.issue(), { clock });
    await expectCode(verifyProofOfControl(unbound, resolver, { ...opts, request }), 'request_mismatch');
    // Member order does not matter: the digest is over the RFC 8785 form.
    const who = await verifyProofOfControl(vp, resolver, { ...opts, request: { task: 't-1', action: 'read', resource: 'db:orders' } });
    expect(who.agent).toBe(agent.did);
  });
});
