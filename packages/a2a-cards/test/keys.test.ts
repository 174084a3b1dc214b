// Signers the verifier pins (a JWK with its kid) or names (a JWKS URL): cards signed by
// @a2a-js/sdk and by jose with every algorithm verify; jku never chooses where keys come
// from; a key offered under another algorithm is refused with a code.
import { generateKeyPairSync } from 'node:crypto';
import { generateAgentCardSignature } from '@a2a-js/sdk';
import { JWS_VERIFY_ALGORITHMS, type JwsVerifyAlgorithm } from '@agent-id/core';
import { createDidResolver } from '@agent-id/did';
import { expectCode } from '@agent-id/test-support';
import * as fc from 'fast-check';
import * as jose from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AgentCard, type TrustPolicy, canonicalizeAgentCard, createJwksCache, defineTrustPolicy, verifyAgentCard } from '../src/index.js';
import { makeCard, startCountingServer } from './helpers.js';

vi.spyOn(console, 'debug').mockImplementation(() => {});
const resolver = createDidResolver();
const ORIGIN = 'https://acme.example';
const HOSTS = ['acme.example'];

type Jwk = jose.JWK & { kid: string };
interface Signer {
  alg: JwsVerifyAlgorithm;
  kid: string;
  publicJwk: Jwk;
  privateKey: Awaited<ReturnType<typeof jose.generateKeyPair>>['privateKey'];
}

const GEN: Record<string, [JwsVerifyAlgorithm, jose.GenerateKeyPairOptions?]> = {
  RS256: ['RS256', { modulusLength: 2048 }],
  PS256: ['PS256', { modulusLength: 2048 }],
  ES384: ['ES384'],
  ES512: ['ES512'],
  ES256: ['ES256'],
  EdDSA: ['EdDSA'],
};
const signers: Record<string, Signer> = {};

async function makeSigner(alg: JwsVerifyAlgorithm, kid: string, opts?: jose.GenerateKeyPairOptions): Promise<Signer> {
  const { publicKey, privateKey } = await jose.generateKeyPair(alg, { ...opts, extractable: true });
  return { alg, kid, publicJwk: { ...(await jose.exportJWK(publicKey)), kid }, privateKey };
}

/** A card signed by jose: a flattened JWS over our canonical payload, protected header as given. */
async function joseSign(card: AgentCard, s: Signer, header: Record<string, unknown> = {}): Promise<AgentCard> {
  const jws = await new jose.FlattenedSign(new TextEncoder().encode(canonicalizeAgentCard(card)))
    .setProtectedHeader({ alg: s.alg, kid: s.kid, typ: 'JOSE', ...header })
    .sign(s.privateKey);
  return { ...card, signatures: [...(card.signatures ?? []), { protected: jws.protected!, signature: jws.signature }] };
}

const pin = (s: Signer, extra: object = {}): TrustPolicy => ({ signers: [{ jwk: s.publicJwk, hosts: HOSTS, ...extra }] });

beforeAll(async () => {
  for (const [name, [alg, opts]] of Object.entries(GEN)) signers[name] = await makeSigner(alg, `${name.toLowerCase()}-1`, opts);
});

describe('pinned keys (a JWK with its kid)', () => {
  it('jose signs RS256, PS256, ES384, ES512 (and ES256, EdDSA) with a plain kid: each verifies with the pinned key', async () => {
    for (const s of Object.values(signers)) {
      const card = await joseSign(makeCard(ORIGIN), s);
      const v = await verifyAgentCard(card, resolver, pin(s));
      expect(v.signers).toEqual([
        { source: 'jwk', thumbprint: await jose.calculateJwkThumbprint(s.publicJwk), keyId: s.kid, alg: s.alg, rule: 'signers[0]', readings: ['prune-empty', 'rule-1-as-written'] },
      ]);
      await expectCode(verifyAgentCard({ ...card, name: 'Evil Planner' }, resolver, pin(s)), 'invalid_signature');
    }
  });

  it('@a2a-js/sdk signs with a plain kid (P-256 and Ed25519): the pinned key verifies it', async () => {
    for (const s of [signers.ES256!, signers.EdDSA!]) {
      const sign = generateAgentCardSignature(s.privateKey, { alg: s.alg, kid: s.kid, typ: 'JOSE' });
      const card = (await sign(makeCard(ORIGIN) as never)) as unknown as AgentCard;
      const v = await verifyAgentCard(card, resolver, pin(s));
      expect(v.signers[0]).toMatchObject({ source: 'jwk', keyId: s.kid, alg: s.alg });
    }
  });

  it('a kid the policy does not pin is an untrusted signer; the same kid with another key does not verify', async () => {
    const s = signers.ES384!;
    const card = await joseSign(makeCard(ORIGIN), s);
    await expectCode(verifyAgentCard(card, resolver, pin(signers.ES512!)), 'untrusted_signer');
    const impostor = { ...signers.ES384!, publicJwk: { ...(await makeSigner('ES384', s.kid)).publicJwk } };
    await expectCode(verifyAgentCard(card, resolver, pin(impostor)), 'invalid_signature');
  });

  it('host rules: a pinned key signs for no host until listed', async () => {
    const s = signers.RS256!;
    const card = await joseSign(makeCard(ORIGIN), s);
    await expectCode(verifyAgentCard(card, resolver, { signers: [{ jwk: s.publicJwk }] }), 'host_mismatch');
    await expectCode(verifyAgentCard(card, resolver, { signers: [{ jwk: s.publicJwk, hosts: ['globex.example'] }] }), 'host_mismatch');
    expect((await verifyAgentCard(card, resolver, { signers: [{ jwk: s.publicJwk, hosts: ['*.example'] }] })).host).toBe('acme.example');
  });

  it('algorithm/key confusion is refused with codes: RSA under EdDSA, Ed25519 under RS256, P-256 under ES384, an RS256-only key under PS256', async () => {
    const card = makeCard(ORIGIN);
    const forge = (alg: string, kid: string, sigBytes = 256) => ({
      ...card,
      signatures: [{ protected: jose.base64url.encode(JSON.stringify({ alg, kid, typ: 'JOSE' })), signature: jose.base64url.encode(new Uint8Array(sigBytes)) }],
    });
    const cases: [Signer, string][] = [
      [signers.RS256!, 'EdDSA'],
      [signers.RS256!, 'ES256'],
      [signers.EdDSA!, 'RS256'],
      [signers.EdDSA!, 'ES256'],
      [signers.ES256!, 'ES384'],
      [signers.ES384!, 'ES256'],
      [signers.ES512!, 'ES384'],
      [signers.ES256!, 'ES256K'],
    ];
    for (const [s, alg] of cases) await expectCode(verifyAgentCard(forge(alg, s.kid), resolver, pin(s)), 'key_mismatch');
    // The JWK's own alg narrows the key: an RSA key pinned for RS256 refuses a PS256 signature, even a valid one.
    const rs = signers.RS256!;
    const rsaPss = (await jose.importJWK(await jose.exportJWK(rs.privateKey), 'PS256')) as Signer['privateKey'];
    const ps = await joseSign(card, { ...rs, alg: 'PS256', privateKey: rsaPss });
    expect((await verifyAgentCard(ps, resolver, pin(rs))).signers[0]?.alg).toBe('PS256');
    await expectCode(verifyAgentCard(ps, resolver, { signers: [{ jwk: { ...rs.publicJwk, alg: 'RS256' }, hosts: HOSTS }] }), 'key_mismatch');
    for (const alg of ['HS256', 'none', 'RS384', 'ES256k']) await expectCode(verifyAgentCard(forge(alg, rs.kid), resolver, pin(rs)), 'unsupported_algorithm');
  });

  it('property: whatever alg a header names, a pinned key never verifies under an algorithm of another key type', async () => {
    const keys = Object.values(signers);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...keys), fc.constantFrom(...JWS_VERIFY_ALGORITHMS), async (s, alg) => {
        fc.pre(alg !== s.alg && !(s.publicJwk.kty === 'RSA' && (alg === 'RS256' || alg === 'PS256')));
        const card = await joseSign(makeCard(ORIGIN), s);
        const header = JSON.parse(new TextDecoder().decode(jose.base64url.decode(card.signatures![0]!.protected)));
        const relabelled = { ...card, signatures: [{ ...card.signatures![0]!, protected: jose.base64url.encode(JSON.stringify({ ...header, alg })) }] };
        await expectCode(verifyAgentCard(relabelled, resolver, pin(s)), 'key_mismatch');
      }),
      { numRuns: 40 },
    );
  });

  it('a policy pinning an unusable key is malformed: RSA under 2048 bits, a private key, no kid, an HMAC key', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const jwkSmall = { ...small.export({ format: 'jwk' }), kid: 'small' };
    const privateJwk = { ...(await jose.exportJWK(signers.ES384!.privateKey)), kid: 'p' };
    for (const jwk of [jwkSmall, privateJwk, { ...signers.ES384!.publicJwk, kid: undefined }, { kty: 'oct', k: 'c2VjcmV0', kid: 'h' }]) {
      expectCode(() => defineTrustPolicy({ signers: [{ jwk: jwk as never, hosts: HOSTS }] }), 'malformed_input', 'policy');
    }
    expectCode(() => defineTrustPolicy({ signers: [{ jwk: signers.ES384!.publicJwk, did: 'did:web:acme.example' } as never] }), 'malformed_input', 'policy');
    expectCode(() => defineTrustPolicy({ signers: [{ jwk: signers.ES384!.publicJwk }, { jwk: { ...signers.ES512!.publicJwk, kid: signers.ES384!.kid } }] }), 'malformed_input', 'policy');
  });
});

describe('a JWKS the verifier names', () => {
  let legit: Awaited<ReturnType<typeof startCountingServer>>;
  let attacker: Awaited<ReturnType<typeof startCountingServer>>;
  let attackerKey: Signer;
  const served = { keys: [] as unknown[] };

  beforeAll(async () => {
    attackerKey = await makeSigner('ES256', 'es384-1');
    legit = await startCountingServer((url, res) => {
      if (url.startsWith('/jwks.json')) res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify(served));
      else res.writeHead(404).end();
    });
    attacker = await startCountingServer((_url, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [attackerKey.publicJwk] })));
    served.keys = [signers.ES384!.publicJwk, signers.PS256!.publicJwk, signers.ES512!.publicJwk];
  });
  afterAll(async () => {
    await legit.close();
    await attacker.close();
  });

  const policy = (): TrustPolicy => ({ signers: [{ jwks: `${legit.origin}/jwks.json`, hosts: HOSTS, label: 'partner' }] });

  it('looks the kid up in the named JWKS, fetched once and cached', async () => {
    const jwksCache = createJwksCache({ allowHttpLoopback: true });
    const before = legit.hits.length;
    for (const s of [signers.ES384!, signers.PS256!, signers.ES512!]) {
      const v = await verifyAgentCard(await joseSign(makeCard(ORIGIN), s), resolver, policy(), { jwksCache });
      expect(v.signers[0]).toMatchObject({ source: 'jwks', jwks: `${legit.origin}/jwks.json`, keyId: s.kid, alg: s.alg, rule: 'partner' });
    }
    expect(legit.hits.length - before).toBe(1);
    await expectCode(verifyAgentCard(await joseSign(makeCard(ORIGIN), signers.RS256!), resolver, policy(), { jwksCache }), 'untrusted_signer');
  });

  it("a jku elsewhere than the pinned URL is ignored and the attacker's server is never contacted", async () => {
    const jwksCache = createJwksCache({ allowHttpLoopback: true });
    const jku = `${attacker.origin}/jwks.json`;
    // the partner's genuine card, with a jku to the attacker: verified with the pinned JWKS, jku reported ignored
    const genuine = await joseSign(makeCard(ORIGIN), signers.ES384!, { jku });
    const v = await verifyAgentCard(genuine, resolver, policy(), { jwksCache });
    expect(v.signers[0]).toMatchObject({ source: 'jwks', jwks: `${legit.origin}/jwks.json`, jku: 'ignored' });
    // the attacker's card: the partner's kid, the attacker's key, a jku to the attacker's JWKS
    const forged = await joseSign(makeCard(ORIGIN), attackerKey, { jku });
    await expectCode(verifyAgentCard(forged, resolver, policy(), { jwksCache }), 'key_mismatch');
    const sameAlg = await joseSign(makeCard(ORIGIN), { ...attackerKey, kid: 'fresh-kid' }, { jku });
    await expectCode(verifyAgentCard(sameAlg, resolver, policy(), { jwksCache }), 'untrusted_signer');
    // nor with a pinned key or a DID signer
    await expectCode(verifyAgentCard(forged, resolver, pin(signers.ES384!), { jwksCache }), 'key_mismatch');
    expect(attacker.hits).toEqual([]);
  });

  it('keys a header carries (jwk, x5c, x5u) are never used', async () => {
    const jwksCache = createJwksCache({ allowHttpLoopback: true });
    const x5u = `${attacker.origin}/cert.pem`;
    for (const extra of [{ jwk: attackerKey.publicJwk }, { x5u }, { x5c: ['MIIB'] }]) {
      const forged = await joseSign(makeCard(ORIGIN), { ...attackerKey, kid: 'attacker' }, extra);
      await expectCode(verifyAgentCard(forged, resolver, policy(), { jwksCache }), 'untrusted_signer');
      await expectCode(verifyAgentCard(forged, resolver, { ...pin(signers.ES384!), trustDidWebHost: true }, { jwksCache }), 'untrusted_signer');
    }
    expect(attacker.hits).toEqual([]);
  });

  it('a jku equal to a pinned URL selects it', async () => {
    const jwksCache = createJwksCache({ allowHttpLoopback: true });
    const second = `${legit.origin}/jwks.json?v=2`;
    const p: TrustPolicy = { signers: [{ jwks: [`${legit.origin}/other.json`, second], hosts: HOSTS }] };
    const card = await joseSign(makeCard(ORIGIN), signers.ES512!, { jku: second });
    const hits = legit.hits.length;
    const v = await verifyAgentCard(card, resolver, p, { jwksCache });
    expect(v.signers[0]).toMatchObject({ source: 'jwks', jwks: second, jku: 'pinned' });
    expect(legit.hits.slice(hits)).toEqual(['/jwks.json?v=2']);
  });

  it('host rules: a JWKS signer signs for the host of its URL unless hosts are listed', async () => {
    const jwksCache = createJwksCache({ allowHttpLoopback: true });
    const s = signers.ES384!;
    const own = await joseSign(makeCard(legit.origin), s);
    const v = await verifyAgentCard(own, resolver, { signers: [{ jwks: `${legit.origin}/jwks.json` }] }, { jwksCache });
    expect(v.host).toBe(new URL(legit.origin).host);
    await expectCode(verifyAgentCard(await joseSign(makeCard(ORIGIN), s), resolver, { signers: [{ jwks: `${legit.origin}/jwks.json` }] }, { jwksCache }), 'host_mismatch');
  });

  it('failures are coded: unreachable, HTTP error, not a JWKS, duplicate kid, plain HTTP unless allowed, key too small', async () => {
    const card = await joseSign(makeCard(ORIGIN), signers.ES384!);
    const small = { ...generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }), kid: signers.ES384!.kid };
    const bodies: Record<string, string> = {
      '/small': JSON.stringify({ keys: [small] }),
      '/huge': JSON.stringify({ keys: [], pad: 'x'.repeat(70_000) }),
      '/notjwks': '{"keys": 3}',
      '/dup': JSON.stringify({ keys: [signers.ES384!.publicJwk, signers.ES384!.publicJwk] }),
      '/text': 'hello',
    };
    const odd = await startCountingServer((url, res) => (bodies[url] ? res.writeHead(200).end(bodies[url]) : res.writeHead(500).end()));
    try {
      const jwksCache = createJwksCache({ allowHttpLoopback: true, timeoutMs: 2_000 });
      const at = (path: string): TrustPolicy => ({ signers: [{ jwks: `${odd.origin}${path}`, hosts: HOSTS }] });
      await expectCode(verifyAgentCard(card, resolver, at('/small'), { jwksCache }), 'unsupported_algorithm', 'key_size');
      await expectCode(verifyAgentCard(card, resolver, at('/huge'), { jwksCache }), 'input_too_large');
      await expectCode(verifyAgentCard(card, resolver, at('/notjwks'), { jwksCache }), 'malformed_input', 'jwks');
      await expectCode(verifyAgentCard(card, resolver, at('/dup'), { jwksCache }), 'malformed_input', 'jwks');
      await expectCode(verifyAgentCard(card, resolver, at('/text'), { jwksCache }), 'malformed_input');
      await expectCode(verifyAgentCard(card, resolver, at('/500'), { jwksCache }), 'unreachable', 'jwks');
      await expectCode(verifyAgentCard(card, resolver, at('/x'), { jwksCache: createJwksCache() }), 'malformed_input', 'jwks_url');
    } finally {
      await odd.close();
    }
    await expectCode(verifyAgentCard(card, resolver, { signers: [{ jwks: 'http://127.0.0.1:1/jwks.json', hosts: HOSTS }] }, { jwksCache: createJwksCache({ allowHttpLoopback: true }) }), 'unreachable', 'fetch');
    expectCode(() => defineTrustPolicy({ signers: [{ jwks: 'ftp://x.example/jwks' }] }), 'malformed_input', 'policy');
    expectCode(() => defineTrustPolicy({ signers: [{ jwks: [] }] }), 'malformed_input', 'policy');
    expectCode(() => createJwksCache({ cacheTtlMs: -1 }), 'malformed_input', 'options');
    await expectCode(verifyAgentCard(card, resolver, policy(), { jwksCache: {} as never }), 'malformed_input', 'options');
  });

  it('a kid missing from the cached JWKS refetches it (rotation), at most as often as allowed', async () => {
    const rotating = { keys: [signers.ES384!.publicJwk] };
    const server = await startCountingServer((_url, res) => res.writeHead(200).end(JSON.stringify(rotating)));
    try {
      const p: TrustPolicy = { signers: [{ jwks: `${server.origin}/jwks.json`, hosts: HOSTS }] };
      const eager = createJwksCache({ allowHttpLoopback: true, refetchUnknownKidAfterMs: 0 });
      const lazy = createJwksCache({ allowHttpLoopback: true, refetchUnknownKidAfterMs: 3_600_000 });
      await verifyAgentCard(await joseSign(makeCard(ORIGIN), signers.ES384!), resolver, p, { jwksCache: eager });
      await verifyAgentCard(await joseSign(makeCard(ORIGIN), signers.ES384!), resolver, p, { jwksCache: lazy });
      rotating.keys.push(signers.ES512!.publicJwk);
      const next = await joseSign(makeCard(ORIGIN), signers.ES512!);
      expect((await verifyAgentCard(next, resolver, p, { jwksCache: eager })).signers[0]?.keyId).toBe(signers.ES512!.kid);
      await expectCode(verifyAgentCard(next, resolver, p, { jwksCache: lazy }), 'untrusted_signer');
      expect(server.hits).toHaveLength(3);
    } finally {
      await server.close();
    }
  });
});

describe('a JWKS key read from the cache without waiting', () => {
  it('is what getKey answers: a set past its TTL is fetched again, a rotated-out key is refused, a bad clock is refused with its code', async () => {
    let served = { keys: [signers.RS256!.publicJwk] };
    const server = await startCountingServer((_url, res) => res.writeHead(200).end(JSON.stringify(served)));
    try {
      const p: TrustPolicy = { signers: [{ jwks: `${server.origin}/jwks.json`, hosts: HOSTS }] };
      let now = 1_000_000;
      let broken = false;
      const jwksCache = createJwksCache({ allowHttpLoopback: true, cacheTtlMs: 60_000, refetchUnknownKidAfterMs: 0, clock: () => (broken ? Number.NaN : now) });
      const card = await joseSign(makeCard(ORIGIN), signers.RS256!);
      for (let i = 0; i < 3; i++) expect((await verifyAgentCard(card, resolver, p, { jwksCache })).signers[0]).toMatchObject({ source: 'jwks', alg: 'RS256' });
      expect(server.hits).toHaveLength(1);
      served = { keys: [signers.PS256!.publicJwk] };
      now += 59_000;
      expect((await verifyAgentCard(card, resolver, p, { jwksCache })).signers[0]).toMatchObject({ source: 'jwks' });
      expect(server.hits).toHaveLength(1);
      now += 2_000;
      await expectCode(verifyAgentCard(card, resolver, p, { jwksCache }), 'untrusted_signer');
      // Fetched again past its TTL, then once more for the kid it lacks (refetchUnknownKidAfterMs 0).
      expect(server.hits).toHaveLength(3);
      served = { keys: [signers.RS256!.publicJwk] };
      now += 61_000;
      expect((await verifyAgentCard(card, resolver, p, { jwksCache })).signers[0]).toMatchObject({ source: 'jwks' });
      broken = true;
      await expectCode(verifyAgentCard(card, resolver, p, { jwksCache }), 'bad_clock');
    } finally {
      await server.close();
    }
  });
});

describe('a card verified before (its canonical forms kept by text)', () => {
  it('decides trust, hosts and signature again on every call: another policy, another key, other hosts, a changed byte', async () => {
    const s = signers.EdDSA!;
    const card = await joseSign(makeCard(ORIGIN), s);
    const first = await verifyAgentCard(card, resolver, pin(s));
    expect(first.signers[0]).toMatchObject({ source: 'jwk', keyId: s.kid });
    // The same text again, now under policies that must refuse it.
    await expectCode(verifyAgentCard(card, resolver, pin(signers.ES256!)), 'untrusted_signer');
    await expectCode(verifyAgentCard(card, resolver, { signers: [{ jwk: s.publicJwk, hosts: ['globex.example'] }] }), 'host_mismatch');
    const impostor = { ...s, publicJwk: { ...(await makeSigner('EdDSA', s.kid)).publicJwk } };
    await expectCode(verifyAgentCard(card, resolver, pin(impostor)), 'invalid_signature');
    await expectCode(verifyAgentCard(card, resolver, { ...pin(s), requiredSigners: ['did:web:globex.example'] }), 'untrusted_signer');
    const sig = card.signatures![0]!;
    const flipped = `${sig.signature.slice(0, 10)}${sig.signature[10] === 'A' ? 'B' : 'A'}${sig.signature.slice(11)}`;
    await expectCode(verifyAgentCard({ ...card, signatures: [{ ...sig, signature: flipped }] }, resolver, pin(s)), 'invalid_signature');
    await expectCode(verifyAgentCard({ ...card, description: `${card.description} ` }, resolver, pin(s)), 'invalid_signature');
    // And it still verifies, as text, bytes or object, with the same verdict.
    for (const input of [card, JSON.stringify(card), new TextEncoder().encode(JSON.stringify(card))]) {
      const again = await verifyAgentCard(input, resolver, pin(s));
      expect(again.signers).toEqual(first.signers);
      expect(again.card).toEqual(first.card);
    }
  });

  it('keeps at most 256 cards and 512,000 characters of card text, kept or seen once, however many large cards verify', async () => {
    const { readCardsHeld } = await import('../src/verify-agent-card.js');
    const s = signers.EdDSA!;
    for (let i = 0; i < 40; i++) {
      const card = await joseSign({ ...makeCard(ORIGIN), description: `${i} ${'x'.repeat(12_000)}` }, s);
      await verifyAgentCard(card, resolver, pin(s));
      await verifyAgentCard(card, resolver, pin(s));
      const held = readCardsHeld();
      expect(held.cards).toBeLessThanOrEqual(256);
      expect(held.chars).toBeLessThanOrEqual(512_000);
      expect(held.seenOnceChars).toBeLessThanOrEqual(512_000);
    }
    expect(readCardsHeld().chars).toBeGreaterThan(400_000);
  });

  it('a card verified again is read-only: a first verdict\'s changes reach no later one; later verdicts are frozen; readings are each verdict\'s own', async () => {
    const s = signers.ES256!;
    const card = await joseSign(makeCard(ORIGIN), s);
    const first = await verifyAgentCard(card, resolver, pin(s));
    (first.card as { name: string }).name = 'Evil Planner';
    first.card.supportedInterfaces![0]!.url = 'https://evil.example/a2a';
    first.signers[0]!.readings.length = 0;
    first.unsignedFields.push('$.x');
    for (let i = 0; i < 2; i++) {
      const v = await verifyAgentCard(card, resolver, pin(s));
      expect([v.card.name, v.card.supportedInterfaces![0]!.url, v.signers[0]!.readings, v.unsignedFields]).toEqual([card.name, card.supportedInterfaces![0]!.url, ['prune-empty', 'rule-1-as-written'], []]);
      expect(Object.isFrozen(v.card) && Object.isFrozen(v.card.supportedInterfaces![0])).toBe(true);
      expect(() => {
        (v.card as { name: string }).name = 'Evil Planner';
      }).toThrow(TypeError);
      v.signers[0]!.readings.length = 0;
      v.unsignedFields.push('$.x');
    }
  });

  it('property: a protected header read before is refused the same way inside any other entry (unprotected duplicates, bad signatures)', async () => {
    const s = signers.EdDSA!;
    const card = await joseSign(makeCard(ORIGIN), s);
    const sig = card.signatures![0]!;
    await verifyAgentCard(card, resolver, pin(s));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('alg', 'kid', 'typ'), fc.string({ maxLength: 8 }), async (member, value) => {
        const dup = { ...card, signatures: [{ ...sig, header: { [member]: value } }] };
        await expectCode(verifyAgentCard(dup, resolver, { ...pin(s), strictSignatures: true }), 'malformed_input');
      }),
      { numRuns: 20 },
    );
  });
});

describe('a card object, a pinned JWK object and a policy URL verified before (kept by object or text, read again on every call)', () => {
  type Node = Record<string, unknown> | unknown[];
  /** Every object and array inside `root`, with `root` first. */
  function nodes(root: Node): Node[] {
    const out: Node[] = [root];
    for (const v of Object.values(root)) if (typeof v === 'object' && v !== null) out.push(...nodes(v as Node));
    return out;
  }
  const MUTATIONS = ['flip', 'delete', 'add', 'move', 'toJSON', 'proto', 'same', 'getter'] as const;
  function mutate(node: Node, kind: (typeof MUTATIONS)[number], pick: number): void {
    const keys = Object.keys(node);
    const key = keys.length ? keys[pick % keys.length]! : undefined;
    const rec = node as Record<string, unknown>;
    switch (kind) {
      case 'flip': {
        if (key === undefined) return;
        const v = rec[key];
        if (typeof v === 'string') rec[key] = v.length ? `${v.slice(0, pick % v.length)}${v[pick % v.length] === 'A' ? 'B' : 'A'}${v.slice((pick % v.length) + 1)}` : 'A';
        else if (typeof v === 'number') rec[key] = v + 1;
        else if (typeof v === 'boolean') rec[key] = !v;
        else rec[key] = 'A';
        return;
      }
      case 'delete':
        if (Array.isArray(node)) node.splice(pick % Math.max(node.length, 1), 1);
        else if (key !== undefined) delete rec[key];
        return;
      case 'add':
        if (Array.isArray(node)) node.push(node.length ? structuredClone(node[0]) : 'x');
        else rec.x = 'y';
        return;
      case 'move':
        if (key !== undefined && !Array.isArray(node)) {
          const v = rec[key];
          delete rec[key];
          rec[key] = v;
        }
        return;
      case 'toJSON':
        Object.defineProperty(node, 'toJSON', { value: () => ({}), enumerable: false });
        return;
      case 'proto':
        Object.setPrototypeOf(node, Object.create(Array.isArray(node) ? Array.prototype : Object.prototype, { extra: { value: 1, enumerable: true } }));
        return;
      case 'same':
        // Equal content, another object or string: still the same text.
        if (key !== undefined) rec[key] = typeof rec[key] === 'string' ? [...(rec[key] as string)].join('') : structuredClone(rec[key]);
        return;
      case 'getter':
        if (key !== undefined) {
          const v = rec[key];
          Object.defineProperty(node, key, { get: () => v, enumerable: true, configurable: true });
        }
        return;
    }
  }
  async function outcome(input: unknown, policy: TrustPolicy): Promise<unknown> {
    try {
      const v = await verifyAgentCard(input, resolver, policy);
      return { card: v.card, signers: v.signers, hosts: v.hosts };
    } catch (error) {
      return { code: (error as { code?: string }).code, check: (error as { check?: string }).check };
    }
  }

  it('property: a card object verified before and changed in place (any member, byte, order, toJSON, prototype) verifies exactly as its new text does', async () => {
    const s = signers.RS256!;
    const card = await joseSign(makeCard(ORIGIN), s);
    const policy = pin(s);
    await verifyAgentCard(card, resolver, policy);
    await verifyAgentCard(card, resolver, policy);
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.constantFrom(...MUTATIONS), fc.nat(), async (at, kind, pick) => {
        const live = structuredClone(card) as unknown as Node;
        expect(await outcome(live, policy)).toMatchObject({ signers: [{ alg: 'RS256' }] });
        const all = nodes(live);
        mutate(all[at % all.length]!, kind, pick);
        const text = JSON.stringify(live);
        const asObject = await outcome(live, policy);
        // The text is new to the verifier (not kept), so it is read and checked from scratch.
        expect(asObject).toEqual(await outcome(text, policy));
      }),
      { numRuns: 300 },
    );
  });

  it('a card object verified before is serialized again while Object.prototype has an enumerable member (JSON.stringify would not write it)', async () => {
    const s = signers.RS256!;
    const policy = { ...pin(s), unsignedFields: 'ignore' as const };
    // Every object of the card carries zzz (outside the schema): an inherited zzz in each would
    // be listed where the kept text has it, so only the check of Object.prototype tells them apart.
    const everywhere = (node: unknown, add: boolean): void => {
      if (typeof node !== 'object' || node === null) return;
      if (!Array.isArray(node)) {
        if (add) (node as Record<string, unknown>).zzz = 'z';
        else delete (node as Record<string, unknown>).zzz;
      }
      for (const v of Object.values(node)) everywhere(v, add);
    };
    const { securitySchemes: _s, securityRequirements: _r, ...noMaps } = makeCard(ORIGIN);
    const card = structuredClone(await joseSign(noMaps, s)) as unknown as Record<string, unknown>;
    everywhere(card, true);
    const first = await verifyAgentCard(card, resolver, policy);
    expect(first.unsignedFields).toContain('$.zzz');
    for (let i = 0; i < 2; i++) expect((await verifyAgentCard(card, resolver, policy)).unsignedFields).toEqual(first.unsignedFields);
    everywhere(card, false);
    const proto = Object.prototype as Record<string, unknown>;
    proto.zzz = 'z';
    let outcome: ReturnType<typeof verifyAgentCard>;
    try {
      outcome = verifyAgentCard(card, resolver, policy);
    } finally {
      delete proto.zzz;
    }
    // What JSON.stringify(card) gives: no zzz, so nothing outside the schema.
    expect((await outcome).unsignedFields).toEqual([]);
  });

  it('property: after a pinned RSA JWK object verified a card, a byte changed in its modulus (in place) never verifies that card', async () => {
    const s = signers.PS256!;
    const card = await joseSign(makeCard(ORIGIN), s);
    const jwk = { ...s.publicJwk };
    const policy = { signers: [{ jwk, hosts: HOSTS }] };
    const n = jwk.n!;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: n.length - 1 }), fc.constantFrom(...'AQgw_-'), async (i, c) => {
        jwk.n = n;
        expect((await verifyAgentCard(card, resolver, policy)).signers[0]).toMatchObject({ source: 'jwk', alg: 'PS256' });
        fc.pre(n[i] !== c);
        jwk.n = `${n.slice(0, i)}${c}${n.slice(i + 1)}`;
        await expect(verifyAgentCard(card, resolver, policy)).rejects.toSatisfy((e: { code?: string }) => e.code === 'invalid_signature' || e.code === 'malformed_input' || e.code === 'unsupported_algorithm');
      }),
      { numRuns: 60 },
    );
  });

  it('a card object verified before whose getter or proxy trap now throws gets a coded error, never a crash', async () => {
    const s = signers.PS256!;
    const card = await joseSign(makeCard(ORIGIN), s);
    const live = structuredClone(card) as unknown as Record<string, unknown>;
    let fail = false;
    const name = live.name;
    Object.defineProperty(live, 'name', {
      get: () => {
        if (fail) throw new Error('boom');
        return name;
      },
      enumerable: true,
      configurable: true,
    });
    const proxy = new Proxy(structuredClone(card) as unknown as Record<string, unknown>, {
      ownKeys: (target) => {
        if (fail) throw new Error('boom');
        return Reflect.ownKeys(target);
      },
    });
    for (const input of [live, proxy]) {
      fail = false;
      for (let i = 0; i < 3; i++) expect((await verifyAgentCard(input, resolver, pin(s))).signers[0]).toMatchObject({ alg: 'PS256' });
      fail = true;
      await expectCode(verifyAgentCard(input, resolver, pin(s)), 'malformed_input');
    }
  });

  it('a pinned JWK object changed in place is read again: another kid, alg, a getter, a private member inherited, toJSON', async () => {
    const s = signers.RS256!;
    const card = await joseSign(makeCard(ORIGIN), s);
    const jwk: Record<string, unknown> = { ...s.publicJwk };
    const policy = { signers: [{ jwk: jwk as Jwk, hosts: HOSTS }] };
    const ok = async () => expect((await verifyAgentCard(card, resolver, policy)).signers[0]).toMatchObject({ source: 'jwk', alg: 'RS256' });
    await ok();
    await ok();
    jwk.kid = 'other-1';
    await expectCode(verifyAgentCard(card, resolver, policy), 'untrusted_signer');
    jwk.kid = s.kid;
    await ok();
    jwk.alg = 'PS256';
    await expectCode(verifyAgentCard(card, resolver, policy), 'key_mismatch');
    delete jwk.alg;
    await ok();
    const other = signers.PS256!.publicJwk.n;
    Object.defineProperty(jwk, 'n', { get: () => other, enumerable: true, configurable: true });
    await expectCode(verifyAgentCard(card, resolver, policy), 'invalid_signature');
    Object.defineProperty(jwk, 'n', { value: s.publicJwk.n, enumerable: true, configurable: true, writable: true });
    await ok();
    Object.setPrototypeOf(jwk, { d: 'AQAB' });
    await expectCode(verifyAgentCard(card, resolver, policy), 'malformed_input');
    Object.setPrototypeOf(jwk, Object.prototype);
    await ok();
    // toJSON changes what the JWK serializes to, not the members its key is read from.
    const twin = { ...signers.PS256!.publicJwk, kid: s.kid, toJSON: () => s.publicJwk };
    await expectCode(verifyAgentCard(card, resolver, { signers: [{ jwk: twin, hosts: HOSTS }] }), 'invalid_signature');
    await ok();
  });

  it('keeps at most 1,024 interface URL hosts, however many cards are read; a URL read before gives the same host and refusal', async () => {
    const { urlHostsHeld } = await import('../src/verify-agent-card.js');
    for (let i = 0; i < 1100; i++) {
      await expectCode(verifyAgentCard(makeCard(`https://H${i}.example`), resolver, { signers: [] }), 'signature_required');
      expect(urlHostsHeld()).toBeLessThanOrEqual(1024);
    }
    const s = signers.EdDSA!;
    for (let i = 0; i < 2; i++) {
      const card = await joseSign(makeCard('https://Agents.ACME.example:8443'), s);
      expect((await verifyAgentCard(card, resolver, pin(s, { hosts: ['agents.acme.example:8443'] }))).hosts).toEqual(['agents.acme.example:8443']);
      const bad = makeCard(ORIGIN, { supportedInterfaces: [{ url: '/relative', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }] });
      await expectCode(verifyAgentCard(bad, resolver, { signers: [] }), 'malformed_input', 'interface_url');
    }
  });

  it('keeps at most 256 policy JWKS URLs, however many policies are checked', async () => {
    const { policyUrlsHeld } = await import('../src/jwks-cache.js');
    for (let i = 0; i < 600; i++) {
      defineTrustPolicy({ signers: [{ jwks: `https://h${i}.example/jwks.json` }] });
      expect(policyUrlsHeld()).toBeLessThanOrEqual(256);
    }
    expectCode(() => defineTrustPolicy({ signers: [{ jwks: 'http://h1.example/jwks.json' }] }), 'malformed_input');
    defineTrustPolicy({ signers: [{ jwks: 'https://h1.example/jwks.json' }] });
    expectCode(() => defineTrustPolicy({ signers: [{ jwks: 'https://h1.example/jwks.json#x' }] }), 'malformed_input');
  });
});
