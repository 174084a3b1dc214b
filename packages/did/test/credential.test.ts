import { KEY_TYPES, KeyPair, base64urlDecode, base64urlEncode, fixedClock, manualClock } from '@agent-id/core';
import { createJWT, verifyJWT } from 'did-jwt';
import fc from 'fast-check';
import { Resolver } from 'did-resolver';
import { importJWK, jwtVerify } from 'jose';
import { getResolver } from 'key-did-resolver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAgentIdentity,
  createDidResolver,
  createDidWebDocument,
  didWebFromDomain,
  issueOwnershipCredential,
  verifyOwnershipCredential,
} from '../src/index.js';
import { expectCode } from '@agent-id/test-support';
import { type TestServer, signJwt, startDidServer } from './helpers.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const clock = fixedClock(T0);
const agent = createAgentIdentity();
const user = 'did:web:acme.example:users:alice';

describe('ownership credentials (did:key issuer)', () => {
  const resolver = createDidResolver();

  it.each([...KEY_TYPES])('%s: issue and verify', async (keyType) => {
    const org = createAgentIdentity({ keyType });
    const jwt = await issueOwnershipCredential(org, { agent: agent.did, onBehalfOf: user, agentName: 'planner', agentVersion: '1.2.0', ttlMs: 3_600_000, clock });
    const vc = await verifyOwnershipCredential(jwt, resolver, { trustedIssuers: [org.did], subject: agent.did, clock });
    expect(vc).toMatchObject({ issuer: org.did, agent: agent.did, onBehalfOf: user, agentName: 'planner', agentVersion: '1.2.0', validFrom: T0, validUntil: T0 + 3_600_000, keyId: org.keyId });
    expect(vc.id).toMatch(/^urn:uuid:/);
  });

  it('binds the agent to a workload identity (SPIFFE ID) in both data models, and refuses a bad one', async () => {
    const org = createAgentIdentity();
    const workload = 'spiffe://acme.example/ns/agents/sa/planner';
    for (const dataModel of ['1.1', '2.0'] as const) {
      const jwt = await issueOwnershipCredential(org, { agent: agent.did, workload, dataModel, clock });
      expect(await verifyOwnershipCredential(jwt, resolver, { trustedIssuers: [org.did], clock })).toMatchObject({ agent: agent.did, workload });
    }
    await expect(issueOwnershipCredential(org, { agent: agent.did, workload: 'x'.repeat(2049) })).rejects.toThrow(TypeError);
    const plain = await verifyOwnershipCredential(await issueOwnershipCredential(org, { agent: agent.did, clock }), resolver, { trustedIssuers: [org.did], clock });
    expect(plain.workload).toBeUndefined();
  });

  it('is a VC-JWT that did-jwt verifies independently', async () => {
    for (const keyType of ['Ed25519', 'P-256', 'secp256k1'] as const) {
      const org = createAgentIdentity({ keyType });
      const jwt = await issueOwnershipCredential(org, { agent: agent.did, ttlMs: 3_600_000 });
      // did-jwt bundles an older did-resolver whose types differ; the runtime contract is the same.
      const independent = new Resolver(getResolver()) as unknown as NonNullable<Parameters<typeof verifyJWT>[1]>['resolver'];
      const out = await verifyJWT(jwt, { resolver: independent, proofPurpose: 'assertionMethod' });
      expect(out.issuer).toBe(org.did);
      expect(out.payload.vc.credentialSubject.id).toBe(agent.did);
    }
  });

  it.each([...KEY_TYPES])('%s: is byte for byte the VC-JWT did-jwt createJWT writes for the same claims and key', async (keyType) => {
    const org = createAgentIdentity({ keyType });
    const jwt = await issueOwnershipCredential(org, { agent: agent.did, onBehalfOf: user, agentName: 'planner', id: 'urn:uuid:fixed', ttlMs: 3_600_000, clock });
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const { iss, ...claims } = JSON.parse(new TextDecoder().decode(base64urlDecode(p, 'payload'))) as Record<string, unknown>;
    expect(iss).toBe(org.did);
    // The same signature, so that ECDSA's random nonce does not make the two differ.
    const theirs = await createJWT(claims, { issuer: org.did, signer: async () => s }, { alg: org.keyPair.algorithm, typ: 'JWT', kid: org.keyId });
    expect(theirs).toBe(jwt);
    // And did-jwt signing with our key: the signing input it signs is ours.
    const signer = async (data: string | Uint8Array) => base64urlEncode(org.keyPair.sign(typeof data === 'string' ? new TextEncoder().encode(data) : data));
    const signed = await createJWT(claims, { issuer: org.did, signer }, { alg: org.keyPair.algorithm, typ: 'JWT', kid: org.keyId });
    expect(signed.split('.').slice(0, 2)).toEqual([h, p]);
    if (keyType === 'Ed25519') expect(signed).toBe(jwt);
  });

  it('stays byte for byte what did-jwt createJWT writes for any claim strings', async () => {
    const org = createAgentIdentity();
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), fc.integer({ min: 1, max: 10 ** 9 }), async (agentName, agentVersion, ttl) => {
        const jwt = await issueOwnershipCredential(org, { agent: agent.did, agentName, agentVersion, id: 'urn:uuid:p', ttlMs: ttl * 1000, clock });
        const [, p, s] = jwt.split('.') as [string, string, string];
        const { iss: _iss, ...claims } = JSON.parse(new TextDecoder().decode(base64urlDecode(p, 'payload'))) as Record<string, unknown>;
        expect(await createJWT(claims, { issuer: org.did, signer: async () => s }, { alg: org.keyPair.algorithm, typ: 'JWT', kid: org.keyId })).toBe(jwt);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses to issue for an issuer without a DID or key id (never a JWT without "iss")', async () => {
    const org = createAgentIdentity();
    for (const issuer of [{ ...org, did: 'acme.example' }, { ...org, did: undefined }, { ...org, keyId: 42 }, null]) {
      await expect(issueOwnershipCredential(issuer as never, { agent: agent.did, clock })).rejects.toThrow(TypeError);
    }
  });

  it('verifies with jose (EdDSA, ES256)', async () => {
    for (const keyType of ['Ed25519', 'P-256'] as const) {
      const org = createAgentIdentity({ keyType });
      const jwt = await issueOwnershipCredential(org, { agent: agent.did, ttlMs: 3_600_000 });
      const key = await importJWK(org.keyPair.publicKey.toJwk(), org.keyPair.algorithm);
      const { payload } = await jwtVerify(jwt, key, { issuer: org.did, subject: agent.did });
      expect(payload.jti).toMatch(/^urn:uuid:/);
    }
  });

  it('refuses each bad credential with its code', async () => {
    const org = createAgentIdentity();
    const other = createAgentIdentity();
    const opts = { trustedIssuers: [org.did], clock };
    const good = await issueOwnershipCredential(org, { agent: agent.did, ttlMs: 3_600_000, clock });
    const [h, p, s] = good.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());

    // tampered payload, keeping the signature
    const tampered = `${h}.${base64urlEncode(JSON.stringify({ ...payload, sub: other.did }))}.${s}`;
    await expectCode(verifyOwnershipCredential(tampered, resolver, opts), 'invalid_signature');
    // flipped signature bit
    const sig = base64urlDecode(s);
    sig[5]! ^= 1;
    await expectCode(verifyOwnershipCredential(`${h}.${p}.${base64urlEncode(sig)}`, resolver, opts), 'invalid_signature');
    // alg none, and unsigned
    await expectCode(verifyOwnershipCredential(`${base64urlEncode(JSON.stringify({ ...header, alg: 'none' }))}.${p}.`, resolver, opts), 'unsupported_algorithm');
    await expectCode(verifyOwnershipCredential(signJwt({ ...header, alg: 'HS256' }, payload, org.keyPair), resolver, opts), 'unsupported_algorithm');
    // algorithm/key mismatch: header claims ES256 over an Ed25519 key
    await expectCode(verifyOwnershipCredential(signJwt({ ...header, alg: 'ES256' }, payload, org.keyPair), resolver, opts), 'key_mismatch');
    // signed by someone else's key but claiming the org's kid
    await expectCode(verifyOwnershipCredential(signJwt(header, payload, other.keyPair), resolver, opts), 'invalid_signature');
    // kid of another DID
    await expectCode(verifyOwnershipCredential(signJwt({ ...header, kid: other.keyId }, payload, other.keyPair), resolver, opts), 'malformed_input', 'key_id');
    // issuer outside the trust list
    const rogue = await issueOwnershipCredential(other, { agent: agent.did, clock });
    await expectCode(verifyOwnershipCredential(rogue, resolver, opts), 'untrusted_issuer');
    // validity window
    await expectCode(verifyOwnershipCredential(good, resolver, { ...opts, clock: fixedClock(T0 + 3_600_000) }), 'expired');
    await expectCode(verifyOwnershipCredential(good, resolver, { ...opts, clock: fixedClock(T0 - 1_000) }), 'not_yet_valid');
    await verifyOwnershipCredential(good, resolver, { ...opts, clock: fixedClock(T0 - 1_000), clockToleranceSec: 5 });
    // no expiry
    await expectCode(verifyOwnershipCredential(signJwt(header, { ...payload, exp: undefined }, org.keyPair), resolver, opts), 'malformed_input', 'expiry');
    // wrong type of credential
    await expectCode(verifyOwnershipCredential(signJwt(header, { ...payload, vc: { ...payload.vc, type: ['VerifiableCredential'] } }, org.keyPair), resolver, opts), 'malformed_input', 'credential_type');
    // subject
    await expectCode(verifyOwnershipCredential(good, resolver, { ...opts, subject: other.did }), 'wrong_subject');
    // revocation
    const id = payload.jti as string;
    await expectCode(verifyOwnershipCredential(good, resolver, { ...opts, isRevoked: async (x) => x === id }), 'revoked');
    // self-issued: an agent vouching for itself
    const selfIssued = await issueOwnershipCredential(other, { agent: other.did, clock });
    await expectCode(verifyOwnershipCredential(selfIssued, resolver, { trustedIssuers: [other.did], clock }), 'untrusted_issuer', 'self_issued');
    // times a Date cannot hold
    await expectCode(verifyOwnershipCredential(signJwt(header, { ...payload, exp: 1e300 }, org.keyPair), resolver, opts), 'malformed_input', 'expiry');
    await expectCode(verifyOwnershipCredential(signJwt(header, { ...payload, nbf: -1e300 }, org.keyPair), resolver, opts), 'malformed_input', 'not_before');
    // size, junk
    await expectCode(verifyOwnershipCredential(`${good}${'A'.repeat(10_000)}`, resolver, opts), 'input_too_large');
    await expectCode(verifyOwnershipCredential('a.b', resolver, opts), 'malformed_input');
    await expectCode(verifyOwnershipCredential(42, resolver, opts), 'malformed_input');
    await expectCode(verifyOwnershipCredential(`${h}.!!!.${s}`, resolver, opts), 'malformed_input');
  });

  it('any single flipped character of a credential fails with a code', async () => {
    const org = createAgentIdentity();
    const jwt = await issueOwnershipCredential(org, { agent: agent.did, ttlMs: 3_600_000, clock });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    for (let i = 0; i < jwt.length; i += 3) {
      const c = jwt[i]!;
      const replacement = alphabet[(alphabet.indexOf(c) + 7) % alphabet.length]!;
      const mutated = jwt.slice(0, i) + replacement + jwt.slice(i + 1);
      const result = await verifyOwnershipCredential(mutated, resolver, { trustedIssuers: [org.did], clock }).then(
        () => 'passed',
        (e: { code?: string }) => e.code ?? `uncoded ${String(e)}`,
      );
      expect(result, `flip at ${i}`).toMatch(/^[a-z_]+$/);
      expect(result).not.toBe('passed');
    }
  });
});

describe('ownership credentials from a did:web organisation over HTTP', () => {
  let server: TestServer;
  const docs: ReturnType<typeof createDidWebDocument>[] = [];
  beforeAll(async () => {
    server = await startDidServer(docs);
  });
  afterAll(() => server.close());

  it('verifies through did:web resolution and refuses a key that is not an assertion method', async () => {
    const org = createAgentIdentity({ method: 'web', domain: server.host, keyType: 'P-256' });
    docs.push(org.document!);
    const resolver = createDidResolver({ allowHttpLoopback: true });
    const jwt = await issueOwnershipCredential(org, { agent: agent.did, onBehalfOf: user });
    const vc = await verifyOwnershipCredential(jwt, resolver, { trustedIssuers: [org.did] });
    expect(vc.issuer).toBe(org.did);

    const did = didWebFromDomain(server.host, 'auth-only');
    const kp = KeyPair.generate();
    const doc = createDidWebDocument(did, [{ publicKey: kp.publicKey }]);
    doc.assertionMethod = [];
    docs.push(doc);
    const authOnly = { did, keyId: `${did}#key-1`, keyPair: kp };
    const jwt2 = await issueOwnershipCredential(authOnly, { agent: agent.did });
    await expectCode(verifyOwnershipCredential(jwt2, resolver, { trustedIssuers: [did] }), 'key_not_authorized');
    const jwt3 = await issueOwnershipCredential({ ...authOnly, keyId: `${did}#key-7` }, { agent: agent.did });
    await expectCode(verifyOwnershipCredential(jwt3, resolver, { trustedIssuers: [did] }), 'unknown_key');
  });

  it('an untrusted issuer is refused before its DID is fetched', async () => {
    const org = createAgentIdentity({ method: 'web', domain: server.host, path: 'never-fetched' });
    const before = server.hits.get('/never-fetched/did.json') ?? 0;
    const jwt = await issueOwnershipCredential(org, { agent: agent.did });
    await expectCode(verifyOwnershipCredential(jwt, createDidResolver({ allowHttpLoopback: true }), { trustedIssuers: ['did:web:other'] }), 'untrusted_issuer');
    expect(server.hits.get('/never-fetched/did.json') ?? 0).toBe(before);
  });

  it('uses the manual clock for issuance too', async () => {
    const c = manualClock(T0);
    const org = createAgentIdentity();
    const jwt = await issueOwnershipCredential(org, { agent: agent.did, ttlMs: 60_000, clock: c });
    c.advance(59_999);
    await verifyOwnershipCredential(jwt, createDidResolver(), { trustedIssuers: [org.did], clock: c });
    c.advance(1);
    await expectCode(verifyOwnershipCredential(jwt, createDidResolver(), { trustedIssuers: [org.did], clock: c }), 'expired');
  });
});

describe('VCDM 2.0 ownership credentials (vc+jwt)', () => {
  const resolver = createDidResolver();
  const org = createAgentIdentity();
  const opts = { trustedIssuers: [org.did], clock };

  it('verify with the same checks as 1.1 and report their data model', async () => {
    const jwt = await issueOwnershipCredential(org, { agent: agent.did, onBehalfOf: user, agentName: 'planner', ttlMs: 3_600_000, dataModel: '2.0', clock });
    const vc = await verifyOwnershipCredential(jwt, resolver, { ...opts, subject: agent.did });
    expect(vc).toMatchObject({ issuer: org.did, agent: agent.did, onBehalfOf: user, agentName: 'planner', validFrom: T0, validUntil: T0 + 3_600_000, dataModel: '2.0' });
    await expectCode(verifyOwnershipCredential(jwt, resolver, { ...opts, clock: fixedClock(T0 + 3_600_000) }), 'expired');
    await expectCode(verifyOwnershipCredential(jwt, resolver, { ...opts, clock: fixedClock(T0 - 1_000) }), 'not_yet_valid');
    await expectCode(verifyOwnershipCredential(jwt, resolver, { ...opts, subject: user }), 'wrong_subject');
    await expectCode(verifyOwnershipCredential(jwt, resolver, { trustedIssuers: [agent.did], clock }), 'untrusted_issuer');
    expect((await verifyOwnershipCredential(await issueOwnershipCredential(org, { agent: agent.did, clock }), resolver, opts)).dataModel).toBe('1.1');
  });

  it('refuses malformed 2.0 credentials with their codes', async () => {
    const jwt = await issueOwnershipCredential(org, { agent: agent.did, ttlMs: 3_600_000, dataModel: '2.0', clock });
    const [h, p] = jwt.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const resign = (changes: Record<string, unknown>, head: Record<string, unknown> = header) => signJwt(head, { ...payload, ...changes }, org.keyPair);
    await verifyOwnershipCredential(resign({}), resolver, opts);
    await expectCode(verifyOwnershipCredential(resign({ '@context': ['https://www.w3.org/2018/credentials/v1'] }), resolver, opts), 'malformed_input', 'context');
    await expectCode(verifyOwnershipCredential(resign({ validUntil: undefined }), resolver, opts), 'malformed_input', 'expiry');
    await expectCode(verifyOwnershipCredential(resign({ validUntil: '2030-01-01' }), resolver, opts), 'malformed_input', 'expiry');
    await expectCode(verifyOwnershipCredential(resign({ validFrom: 'soon' }), resolver, opts), 'malformed_input', 'not_before');
    await expectCode(verifyOwnershipCredential(resign({ iss: 'did:key:zOther' }), resolver, opts), 'malformed_input', 'issuer');
    await expectCode(verifyOwnershipCredential(resign({ sub: 'did:key:zOther' }), resolver, opts), 'malformed_input', 'subject');
    await expectCode(verifyOwnershipCredential(resign({ jti: 'urn:uuid:other' }), resolver, opts), 'malformed_input', 'claims');
    await expectCode(verifyOwnershipCredential(resign({ exp: Math.floor(T0 / 1000) }), resolver, opts), 'expired');
    expect((await verifyOwnershipCredential(resign({ issuer: { id: org.did } }), resolver, opts)).issuer).toBe(org.did);
    // a 1.1-typed JWT carrying a bare 2.0 credential is not an ownership credential
    await expectCode(verifyOwnershipCredential(resign({}, { ...header, typ: 'JWT' }), resolver, opts), 'malformed_input');
    await expectCode(verifyOwnershipCredential(resign({}, { ...header, typ: 'vc+ld+jwt' }), resolver, opts), 'malformed_input', 'header');
  });
});
