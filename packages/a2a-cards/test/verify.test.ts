import { KeyPair, base64urlEncode, canonicalizeToBytes, signDetachedJws } from '@agent-id/core';
import { type AgentIdentity, createAgentIdentity, createDidResolver, issueOwnershipCredential } from '@agent-id/did';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentCard,
  type TrustPolicy,
  attachOwnershipCredential,
  canonicalizeAgentCard,
  fetchAndVerify,
  signAgentCard,
  verifyAgentCard,
} from '../src/index.js';
import { expectCode } from '@agent-id/test-support';
import { type Domain, b64json, documentWithUnauthorisedKey, makeCard, startCountingServer, startDomain } from './helpers.js';

let acme: Domain;
let globex: Domain;
const resolver = () => createDidResolver({ allowHttpLoopback: true, timeoutMs: 2_000 });

beforeAll(async () => {
  acme = await startDomain();
  globex = await startDomain('P-256');
});
afterAll(async () => {
  await acme.close();
  await globex.close();
});

const trustAcme = (): TrustPolicy => ({ signers: [{ did: acme.org.did, label: 'acme' }] });

describe('cross-organisation: acme publishes, globex verifies over HTTP', () => {
  it('fetches the signed card from acme and verifies it against acme did:web', async () => {
    const card = signAgentCard(makeCard(acme.origin), acme.org);
    acme.server.setCard(card);
    const verdict = await fetchAndVerify(acme.origin, resolver(), trustAcme(), { allowHttpLoopback: true });
    expect(verdict.url).toBe(`${acme.origin}/.well-known/agent-card.json`);
    expect(verdict.signers).toEqual([{ source: 'did', did: acme.org.did, keyId: acme.org.keyId, alg: 'EdDSA', rule: 'acme', readings: ['prune-empty', 'rule-1-as-written'] }]);
    expect(verdict.readings).toEqual(['prune-empty', 'rule-1-as-written']);
    expect(verdict.otherSignatures).toEqual([]);
    expect(verdict.host).toBe(acme.server.authority);
    expect(verdict.hosts).toEqual([acme.server.authority]);
    expect(verdict.card.name).toBe('Trip Planner');
    expect(verdict.card).not.toHaveProperty('signatures');
    expect(verdict.unsignedFields).toEqual([]);
  });

  it('agent and organisation both sign; ownership credential links the agent to acme', async () => {
    const planner = acme.addAgent('planner', 'secp256k1');
    const vc = await issueOwnershipCredential(acme.org, { agent: planner.did, agentName: 'planner', onBehalfOf: 'did:web:acme.example:users:alice' });
    const card = signAgentCard(signAgentCard(attachOwnershipCredential(makeCard(acme.origin), vc), planner), acme.org);
    expect(card.signatures).toHaveLength(2);
    acme.server.setCard(card);
    const verdict = await fetchAndVerify(`${acme.origin}/.well-known/agent-card.json`, resolver(), { ...trustAcme(), ownership: {} }, { allowHttpLoopback: true });
    expect(verdict.ownership).toMatchObject({ issuer: acme.org.did, agent: planner.did, agentName: 'planner', source: 'card', agentKeyId: planner.keyId });
    expect(verdict.ownership?.onBehalfOf).toBe('did:web:acme.example:users:alice');
    // the planner did:web is on acme's host too: trustDidWebHost trusts both DIDs...
    const both = await verifyAgentCard(card, resolver(), { trustDidWebHost: true });
    expect(both.signers.map((s) => s.did).sort()).toEqual([acme.org.did, planner.did].sort());
    expect(both.signers.every((s) => s.rule === 'trustDidWebHost')).toBe(true);
    // ...but one host is one independent signer: two of them need two hosts (or listed signers)
    await expect(verifyAgentCard(card, resolver(), { trustDidWebHost: true, minTrustedSigners: 2 })).rejects.toMatchObject({ code: 'untrusted_signer' });
    const listed = await verifyAgentCard(card, resolver(), { signers: [{ did: acme.org.did }, { did: planner.did }], minTrustedSigners: 2 });
    expect(listed.signers).toHaveLength(2);
  });

  it('ownership: credential out of band, untrusted issuer, missing agent signature, no credential', async () => {
    const agent = createAgentIdentity();
    const vc = await issueOwnershipCredential(acme.org, { agent: agent.did });
    const card = signAgentCard(signAgentCard(makeCard(acme.origin), agent), acme.org);
    const v = await verifyAgentCard(card, resolver(), { ...trustAcme(), ownership: { credential: vc } });
    expect(v.ownership).toMatchObject({ source: 'caller', agent: agent.did, issuer: acme.org.did });
    await expectCode(verifyAgentCard(card, resolver(), { ...trustAcme(), ownership: {} }), 'signature_required', 'ownership_credential');
    const byGlobex = await issueOwnershipCredential(globex.org, { agent: agent.did });
    await expectCode(verifyAgentCard(card, resolver(), { ...trustAcme(), ownership: { credential: byGlobex } }), 'untrusted_issuer');
    const stranger = createAgentIdentity();
    const forStranger = await issueOwnershipCredential(acme.org, { agent: stranger.did });
    await expectCode(verifyAgentCard(card, resolver(), { ...trustAcme(), ownership: { credential: forStranger } }), 'signature_required', 'agent_signature');
    const expired = await issueOwnershipCredential(acme.org, { agent: agent.did, validFrom: Date.now() - 20_000, validUntil: Date.now() - 10_000 });
    await expectCode(verifyAgentCard(card, resolver(), { ...trustAcme(), ownership: { credential: expired } }), 'expired');
    await expectCode(
      verifyAgentCard(card, resolver(), { ...trustAcme(), ownership: { credential: vc, isRevoked: () => true } }),
      'revoked',
    );
  });

  it('ownership: a clock that gives no usable time is bad_clock, even for a credential that expired long ago', async () => {
    const agent = createAgentIdentity();
    const card = signAgentCard(signAgentCard(makeCard(acme.origin), agent), acme.org);
    const expired = await issueOwnershipCredential(acme.org, { agent: agent.did, validFrom: Date.now() - 9e10, validUntil: Date.now() - 8e10 });
    const bad: unknown[] = [() => Number.NaN, () => undefined, () => Number.NEGATIVE_INFINITY, () => 'now', () => -1, () => 1e15, 'not a clock'];
    for (const clock of bad) {
      await expectCode(verifyAgentCard(card, resolver(), { ...trustAcme(), ownership: { credential: expired, clock: clock as () => number } }), 'bad_clock', 'clock');
    }
    await expectCode(verifyAgentCard(card, resolver(), { ...trustAcme(), ownership: { credential: expired, clock: () => Date.now() } }), 'expired');
  });

  it('a card signed by globex for acme interfaces is host_mismatch; by default did:web must match', async () => {
    const card = signAgentCard(makeCard(acme.origin), globex.org);
    await expectCode(verifyAgentCard(card, resolver(), { signers: [{ did: globex.org.did }] }), 'host_mismatch');
    await expectCode(verifyAgentCard(card, resolver(), { trustDidWebHost: true }), 'host_mismatch');
    const mixed = signAgentCard(
      makeCard(acme.origin, { supportedInterfaces: [{ url: `${acme.origin}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }, { url: 'https://evil.example/a2a', protocolBinding: 'GRPC', protocolVersion: '1.0' }] }),
      acme.org,
    );
    await expectCode(verifyAgentCard(mixed, resolver(), trustAcme()), 'host_mismatch');
    // the policy can say otherwise
    const ok = await verifyAgentCard(card, resolver(), { signers: [{ did: globex.org.did, hosts: [acme.server.authority] }] });
    expect(ok.signers[0]).toMatchObject({ did: globex.org.did, alg: 'ES256' });
    const any = await verifyAgentCard(mixed, resolver(), { signers: [{ did: acme.org.did, hosts: ['*'] }] });
    expect(any.hosts).toEqual([acme.server.authority, 'evil.example']);
  });

  it('a did:key signer needs explicit hosts', async () => {
    const agent = createAgentIdentity({ keyType: 'P-256' });
    const card = signAgentCard(makeCard(acme.origin), agent);
    await expectCode(verifyAgentCard(card, resolver(), { signers: [{ did: agent.did }] }), 'host_mismatch');
    const v = await verifyAgentCard(card, resolver(), { signers: [{ did: agent.did, hosts: ['127.0.0.1:*'.replace(':*', `:${acme.server.port}`)] }] });
    expect(v.signers[0]?.did).toBe(agent.did);
  });
});

describe('trust policy', () => {
  it('N trusted signatures and a specific signer', async () => {
    const agent = createAgentIdentity();
    const card = signAgentCard(signAgentCard(makeCard(acme.origin), agent), acme.org);
    const policy: TrustPolicy = { signers: [{ did: acme.org.did }, { did: agent.did, hosts: ['*'], label: 'agent-key' }] };
    const v = await verifyAgentCard(card, resolver(), { ...policy, minTrustedSigners: 2 });
    expect(v.signers.map((s) => s.rule)).toEqual(['agent-key', 'signers[0]']);
    await expectCode(verifyAgentCard(card, resolver(), { ...trustAcme(), minTrustedSigners: 2 }), 'untrusted_signer');
    await expectCode(verifyAgentCard(card, resolver(), { ...trustAcme(), requiredSigners: [globex.org.did] }), 'untrusted_signer');
    const r = await verifyAgentCard(card, resolver(), { ...policy, requiredSigners: [agent.did] });
    expect(r.signers).toHaveLength(2);
  });

  it('trustSigner hook', async () => {
    const card = signAgentCard(makeCard(acme.origin), acme.org);
    const v = await verifyAgentCard(card, resolver(), { trustSigner: (c) => (c.did === acme.org.did && c.hosts.length === 1 ? 'hook' : false) });
    expect(v.signers[0]?.rule).toBe('hook');
    await expectCode(verifyAgentCard(card, resolver(), { trustSigner: () => false }), 'untrusted_signer');
  });

  it('requireSignature: false accepts an unsigned card with no signer', async () => {
    const v = await verifyAgentCard(makeCard(acme.origin), resolver(), { requireSignature: false });
    expect(v.signers).toEqual([]);
  });

  it('malformed policies are malformed_input', async () => {
    const card = signAgentCard(makeCard(acme.origin), acme.org);
    for (const bad of [null, 1, { signers: 'x' }, { signers: [{ did: 'nope' }] }, { minTrustedSigners: 0 }, { unsignedFields: 'maybe' }, { ownership: { trustedIssuers: 'x' } }]) {
      await expectCode(verifyAgentCard(card, resolver(), bad as never), 'malformed_input', 'policy');
    }
  });
});

describe('bad input, each with its code', () => {
  const cardBy = (id: AgentIdentity) => signAgentCard(makeCard(acme.origin), id);

  it('unsigned card where a signature is required → signature_required', async () => {
    await expectCode(verifyAgentCard(makeCard(acme.origin), resolver(), trustAcme()), 'signature_required');
    await expectCode(verifyAgentCard({ ...makeCard(acme.origin), signatures: [] }, resolver(), trustAcme()), 'signature_required');
  });

  it('signature by an untrusted DID → untrusted_signer, and its DID is never resolved', async () => {
    const counter = await startCountingServer((_u, res) => res.writeHead(404).end());
    try {
      const attacker = createAgentIdentity({ method: 'web', domain: counter.origin.slice('http://'.length) });
      await expectCode(verifyAgentCard(cardBy(attacker), resolver(), trustAcme()), 'untrusted_signer');
      await expectCode(verifyAgentCard(cardBy(createAgentIdentity()), resolver(), trustAcme()), 'untrusted_signer');
      expect(counter.hits).toEqual([]);
    } finally {
      await counter.close();
    }
  });

  it('kid not in the DID document → unknown_key', async () => {
    await expectCode(verifyAgentCard(cardBy({ ...acme.org, keyId: `${acme.org.did}#key-9` }), resolver(), trustAcme()), 'unknown_key');
  });

  it('key not authorised for assertion → key_not_authorized', async () => {
    const spare = createAgentIdentity();
    const saved = acme.documents[0]!;
    acme.documents[0] = documentWithUnauthorisedKey(acme.org, spare);
    acme.publish();
    try {
      await expectCode(verifyAgentCard(cardBy({ did: acme.org.did, keyId: `${acme.org.did}#key-2`, keyPair: spare.keyPair }), resolver(), trustAcme()), 'key_not_authorized');
    } finally {
      acme.documents[0] = saved;
      acme.publish();
    }
  });

  it('alg none, HS256, RS512, missing alg → unsupported_algorithm; alg/key mismatch (ES256, RS256, ES384 on an Ed25519 key) → key_mismatch', async () => {
    const card = makeCard(acme.origin);
    const sig = base64urlEncode(new Uint8Array(64));
    for (const alg of ['none', 'HS256', 'RS512', 'eddsa', undefined]) {
      const signed = { ...card, signatures: [{ protected: b64json({ alg, kid: acme.org.keyId, typ: 'JOSE' }), signature: alg === 'none' ? '' : sig }] };
      await expectCode(verifyAgentCard(signed, resolver(), trustAcme()), 'unsupported_algorithm');
    }
    for (const alg of ['ES256', 'RS256', 'PS256', 'ES384', 'ES512', 'ES256K']) {
      const mismatch = { ...card, signatures: [{ protected: b64json({ alg, kid: acme.org.keyId, typ: 'JOSE' }), signature: sig }] };
      await expectCode(verifyAgentCard(mismatch, resolver(), trustAcme()), 'key_mismatch');
    }
  });

  it('tampered card → invalid_signature (any value, any signature)', async () => {
    const card = cardBy(acme.org);
    await expectCode(verifyAgentCard({ ...card, name: 'Evil Planner' }, resolver(), trustAcme()), 'invalid_signature');
    await expectCode(verifyAgentCard({ ...card, capabilities: { streaming: false, pushNotifications: false } }, resolver(), trustAcme()), 'invalid_signature');
    const flipped = card.signatures![0]!.signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    await expectCode(verifyAgentCard({ ...card, signatures: [{ ...card.signatures![0]!, signature: flipped }] }, resolver(), trustAcme()), 'invalid_signature');
  });

  it('section 8.4.3: a bad signature next to a good trusted one is reported, not fatal; strictSignatures refuses it', async () => {
    const card = cardBy(acme.org);
    const forged = signDetachedJws({ kid: acme.org.keyId, typ: 'JOSE' }, canonicalizeToBytes({ name: 'other' }), acme.org.keyPair);
    const junk = { protected: b64json({ alg: 'HS256', kid: 'k' }), signature: 'AA' };
    const v = await verifyAgentCard({ ...card, signatures: [card.signatures![0]!, forged, junk] }, resolver(), trustAcme());
    expect(v.signers.map((s) => s.did)).toEqual([acme.org.did]);
    expect(v.otherSignatures).toEqual([
      { number: 2, kid: acme.org.keyId, status: 'failed', code: 'invalid_signature', check: 'signature' },
      { number: 3, kid: 'k', status: 'failed', code: 'unsupported_algorithm', check: 'algorithm' },
    ]);
    await expectCode(verifyAgentCard({ ...card, signatures: [card.signatures![0]!, forged] }, resolver(), { ...trustAcme(), strictSignatures: true }), 'invalid_signature');
    await expectCode(verifyAgentCard({ ...card, signatures: [card.signatures![0]!, junk] }, resolver(), { ...trustAcme(), strictSignatures: true }), 'unsupported_algorithm');
    // the bad one alone: its own code
    await expectCode(verifyAgentCard({ ...card, signatures: [forged] }, resolver(), trustAcme()), 'invalid_signature');
    // needed for the policy: two signers wanted, the second's signature is bad → its code
    const agent = createAgentIdentity();
    const both = signAgentCard(card, agent);
    const badAgent = { ...both, signatures: [both.signatures![0]!, { ...both.signatures![1]!, signature: forged.signature }] };
    const two: TrustPolicy = { signers: [{ did: acme.org.did }, { did: agent.did, hosts: ['*'] }], minTrustedSigners: 2 };
    expect((await verifyAgentCard(both, resolver(), two)).signers).toHaveLength(2);
    await expectCode(verifyAgentCard(badAgent, resolver(), two), 'invalid_signature');
    await expectCode(verifyAgentCard(badAgent, resolver(), { signers: [{ did: acme.org.did }, { did: agent.did, hosts: ['*'], required: true }] }), 'invalid_signature');
    await expectCode(verifyAgentCard(badAgent, resolver(), { ...two, minTrustedSigners: 1, requiredSigners: [agent.did] }), 'invalid_signature');
    // required but trusted by no rule: never checked
    await expectCode(verifyAgentCard(badAgent, resolver(), { ...trustAcme(), requiredSigners: [agent.did] }), 'untrusted_signer');
    // a signer no rule trusts is listed, never checked
    const v2 = await verifyAgentCard(both, resolver(), trustAcme());
    expect(v2.otherSignatures).toEqual([{ number: 2, kid: agent.keyId, status: 'untrusted' }]);
  });

  it('a refusal names the bad signature by its position counted from 1, and its kid', async () => {
    const card = cardBy(acme.org);
    const forged = signDetachedJws({ kid: acme.org.keyId, typ: 'JOSE' }, canonicalizeToBytes({ name: 'other' }), acme.org.keyPair);
    const error = await verifyAgentCard({ ...card, signatures: [card.signatures![0]!, forged] }, resolver(), { ...trustAcme(), strictSignatures: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_signature', message: `card signature 2 (${acme.org.keyId}) does not verify` });
  });

  it('jku pointing elsewhere gives no trust and is never fetched', async () => {
    const attackerKey = KeyPair.generate('Ed25519');
    const jwks = await startCountingServer((_u, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [attackerKey.publicKey.toJwk()] })));
    try {
      const card = makeCard(acme.origin);
      const payload = new TextEncoder().encode(canonicalizeAgentCard(card));
      // acme's kid, attacker's key, jku to the attacker's JWKS
      const forged = signDetachedJws({ kid: acme.org.keyId, typ: 'JOSE', jku: `${jwks.origin}/jwks.json` }, payload, attackerKey);
      await expectCode(verifyAgentCard({ ...card, signatures: [forged] }, resolver(), trustAcme()), 'invalid_signature');
      // attacker's own did:key, jku to acme: still an untrusted signer
      const attacker = createAgentIdentity({ keyPair: attackerKey });
      const own = signDetachedJws({ kid: attacker.keyId, typ: 'JOSE', jku: `${acme.origin}/jwks.json` }, payload, attackerKey);
      await expectCode(verifyAgentCard({ ...card, signatures: [own] }, resolver(), trustAcme()), 'untrusted_signer');
      // jku in the unprotected header is ignored too
      const split = { protected: b64json({ alg: 'EdDSA', typ: 'JOSE', kid: attacker.keyId }), signature: own.signature, header: { jku: `${jwks.origin}/jwks.json` } };
      await expectCode(verifyAgentCard({ ...card, signatures: [split] }, resolver(), trustAcme()), 'untrusted_signer');
      expect(jwks.hits).toEqual([]);
    } finally {
      await jwks.close();
    }
  });

  it('typ is optional (JOSE or JWT when present); no kid, other typ, crit, repeated header member → malformed_input; a plain kid no rule pins is untrusted', async () => {
    const card = makeCard(acme.origin);
    const payload = new TextEncoder().encode(canonicalizeAgentCard(card));
    for (const header of [{ kid: acme.org.keyId }, { kid: acme.org.keyId, typ: 'JWT' }]) {
      const s = signDetachedJws(header, payload, acme.org.keyPair);
      expect((await verifyAgentCard({ ...card, signatures: [s] }, resolver(), trustAcme())).signers).toHaveLength(1);
    }
    for (const [header, check] of [
      [{ typ: 'JOSE' }, 'kid'],
      [{ kid: '', typ: 'JOSE' }, 'kid'],
      [{ kid: acme.org.keyId, typ: 'jose+json' }, 'header'],
      [{ kid: acme.org.keyId, typ: 7 }, 'header'],
      [{ kid: acme.org.keyId, crit: ['exp'], exp: 1 }, 'crit'],
      [{ kid: acme.org.keyId, crit: [] }, 'crit'],
      [{ kid: acme.org.keyId, b64: true }, 'header'],
      [{ kid: acme.org.keyId, jku: 7 }, 'header'],
    ] as const) {
      const s = signDetachedJws(header as never, payload, acme.org.keyPair);
      await expectCode(verifyAgentCard({ ...card, signatures: [s] }, resolver(), trustAcme()), 'malformed_input', check);
    }
    for (const header of [{ kid: 'key-1', typ: 'JOSE' }, { kid: acme.org.did, typ: 'JOSE' }]) {
      const s = signDetachedJws(header, payload, acme.org.keyPair);
      await expectCode(verifyAgentCard({ ...card, signatures: [s] }, resolver(), trustAcme()), 'untrusted_signer');
    }
    const good = signAgentCard(card, acme.org).signatures![0]!;
    await expectCode(verifyAgentCard({ ...card, signatures: [{ ...good, header: { kid: 'x' } }] }, resolver(), trustAcme()), 'malformed_input', 'header');
  });

  it('oversized or malformed JSON → input_too_large / malformed_input', async () => {
    const card = cardBy(acme.org);
    const big = JSON.stringify({ ...card, description: 'x'.repeat(200_000) });
    await expectCode(verifyAgentCard(big, resolver(), trustAcme()), 'input_too_large');
    await expectCode(verifyAgentCard(JSON.stringify(card), resolver(), trustAcme(), { maxCardBytes: 500 }), 'input_too_large');
    await expectCode(verifyAgentCard('{"name": "x",', resolver(), trustAcme()), 'malformed_input');
    await expectCode(verifyAgentCard('[]', resolver(), trustAcme()), 'malformed_input');
    await expectCode(verifyAgentCard(`${'['.repeat(100)}${']'.repeat(100)}`, resolver(), trustAcme()), 'malformed_input');
    await expectCode(verifyAgentCard({ ...card, name: 42 }, resolver(), trustAcme()), 'malformed_input', 'card_schema');
    await expectCode(verifyAgentCard({ ...card, signatures: Array(9).fill(card.signatures![0]) }, resolver(), trustAcme()), 'input_too_large');
    await expectCode(verifyAgentCard('{"__proto__": {"a": 1}, "name": "x"}', resolver(), trustAcme()), 'malformed_input');
    await expectCode(verifyAgentCard({ ...card, supportedInterfaces: [{ url: 'not a url', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }] }, resolver(), trustAcme()), 'malformed_input', 'interface_url');
  });

  it('unreachable DID host → did_unreachable', async () => {
    const gone = await startDomain();
    const card = signAgentCard(makeCard(gone.origin), gone.org);
    await gone.close();
    await expectCode(verifyAgentCard(card, resolver(), { signers: [{ did: gone.org.did }] }), 'did_unreachable');
  });
});

describe('content outside the signature', () => {
  it('fields outside the schema are refused by default, or ignored and reported', async () => {
    const card = { ...signAgentCard(makeCard(acme.origin), acme.org), url: 'https://evil.example/a2a', preferredTransport: 'JSONRPC' } as AgentCard;
    await expectCode(verifyAgentCard(card, resolver(), trustAcme()), 'malformed_input', 'unsigned_fields');
    const v = await verifyAgentCard(card, resolver(), { ...trustAcme(), unsignedFields: 'ignore' });
    expect(v.unsignedFields).toEqual(['$.url', '$.preferredTransport']);
    expect(v.card).not.toHaveProperty('url');
    expect(v.host).toBe(acme.server.authority);
  });

  it('an A2A 0.3 card is refused by every operation with card_version, saying how to make it v1.0', async () => {
    const { supportedInterfaces, ...v1 } = makeCard(acme.origin);
    const v03 = { ...v1, url: supportedInterfaces![0]!.url, preferredTransport: 'JSONRPC', protocolVersion: '0.3.0' };
    const refusal = expect.objectContaining({ code: 'malformed_input', check: 'card_version', message: expect.stringContaining('supportedInterfaces') });
    expect(() => signAgentCard(v03, acme.org)).toThrow(refusal);
    expect(() => signAgentCard(v03, acme.org, { allowUncoveredContent: true })).toThrow(refusal);
    expect(() => canonicalizeAgentCard(v03)).toThrow(refusal);
    await expect(verifyAgentCard(v03, resolver(), trustAcme())).rejects.toThrow(refusal);
    const { url: _url, ...withoutUrl } = v03;
    expect(() => signAgentCard(withoutUrl, acme.org)).toThrow(refusal); // preferredTransport alone marks 0.3 too
  });

  it('the signer refuses content it could not cover, unless told', () => {
    expect(() => signAgentCard({ ...makeCard(acme.origin), url: 'https://x' }, acme.org)).toThrow(expect.objectContaining({ code: 'malformed_input', check: 'canonical_form' }));
    expect(() => signAgentCard(makeCard(acme.origin, { description: '' }), acme.org)).toThrow(expect.objectContaining({ check: 'canonical_form' }));
    expect(() => signAgentCard(makeCard(acme.origin, { securityRequirements: [{ schemes: { bearer: { list: [] } } }] }), acme.org)).toThrow(
      expect.objectContaining({ check: 'canonical_form' }),
    );
    const signed = signAgentCard(makeCard(acme.origin, { description: '' }), acme.org, { allowUncoveredContent: true });
    expect(signed.signatures).toHaveLength(1);
  });
});
