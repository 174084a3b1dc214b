import { manualClock } from '@agent-id/core';
import { expectCode, junkValues } from '@agent-id/test-support';
import { type CryptoKey, type JWK, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SpiffeBundles, verifyJwtSvid } from '../src/index.js';

// SVIDs minted with jose as a SPIFFE issuer (SPIRE) would: header {alg, kid, typ: JWT}, sub the
// SPIFFE ID, aud the verifier, exp short. Bundles in SPIFFE bundle format.
const AUD = 'https://tokens.acme.example';
const ID = 'spiffe://acme.example/ns/agents/sa/analyst';
const T0 = Date.parse('2026-12-01T12:00:00Z');
const clock = manualClock(T0);
const now = Math.floor(T0 / 1000);

interface Signer {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signer(alg: string, kid: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, use: 'jwt-svid' } };
}

function svid(by: Signer, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ sub: ID, aud: [AUD], exp: now + 300, iat: now, ...claims })
    .setProtectedHeader({ alg: by.alg, kid: by.kid, typ: 'JWT', ...header })
    .sign(by.privateKey);
}

let es256: Signer;
let rs256: Signer;
let ps384: Signer;
let es384: Signer;
let globex: Signer;
let bundles: SpiffeBundles;
const opts = { audience: AUD, clock };

beforeAll(async () => {
  [es256, rs256, ps384, es384, globex] = await Promise.all([signer('ES256', 'acme-1'), signer('RS256', 'acme-2'), signer('PS384', 'acme-3'), signer('ES384', 'acme-4'), signer('ES256', 'globex-1')]);
  bundles = {
    'acme.example': { spiffe_sequence: 7, spiffe_refresh_hint: 300, keys: [es256.jwk, rs256.jwk, ps384.jwk, es384.jwk, { kty: 'EC', use: 'x509-svid', crv: 'P-256', x: es256.jwk.x!, y: es256.jwk.y!, x5c: [] } as JWK] },
    'globex.example': { keys: [globex.jwk] },
  };
});

describe('verifyJwtSvid: SVIDs signed with jose, bundles in SPIFFE format', () => {
  it('verifies ES256, RS256, PS384 and ES384 SVIDs, with and without kid, and returns what it checked', async () => {
    for (const s of [es256, rs256, ps384, es384]) {
      const verified = await verifyJwtSvid(await svid(s), bundles, opts);
      expect(verified).toEqual({ spiffeId: ID, trustDomain: 'acme.example', path: '/ns/agents/sa/analyst', audience: [AUD], expiresAt: now + 300, keyId: s.kid });
    }
    const noKid = await new SignJWT({ sub: ID, aud: AUD, exp: now + 60 }).setProtectedHeader({ alg: 'ES256' }).sign(es256.privateKey);
    expect((await verifyJwtSvid(noKid, bundles, opts)).keyId).toBe('acme-1');
    expect((await verifyJwtSvid(await svid(es256, { aud: ['other', AUD] }), bundles, { audience: ['x', AUD], clock })).audience).toEqual(['other', AUD]);
    expect((await verifyJwtSvid(await svid(es256, {}, { typ: 'JOSE' }), bundles, opts)).spiffeId).toBe(ID);
  });

  it('refuses an SVID of a trust domain it has no bundle for, and one signed by another domain\'s key', async () => {
    await expectCode(verifyJwtSvid(await svid(es256, { sub: 'spiffe://evil.example/ns/agents/sa/analyst' }), bundles, opts), 'untrusted_issuer', 'svid_trust_domain');
    // Globex's key, claiming an Acme ID: Acme's bundle has no key "globex-1".
    await expectCode(verifyJwtSvid(await svid(globex), bundles, opts), 'unknown_key', 'svid_key');
    // Globex's key under Acme's kid: the signature does not verify with Acme's key.
    await expectCode(verifyJwtSvid(await svid({ ...globex, kid: 'acme-1' }), bundles, opts), 'invalid_signature', 'svid_signature');
    await expectCode(verifyJwtSvid(await svid(es256, { sub: 'spiffe://__proto__/x' }), bundles, opts), 'untrusted_issuer', 'svid_trust_domain');
  });

  it('refuses SPIFFE IDs the specification rules out', async () => {
    const cases: Array<[unknown, string]> = [
      ['spiffe://acme.example/ns/../admin', 'spiffe_id'],
      ['spiffe://acme.example/ns/./x', 'spiffe_id'],
      ['spiffe://acme.example/x?admin=1', 'spiffe_id'],
      ['spiffe://acme.example/x#y', 'spiffe_id'],
      ['spiffe://ACME.example/x', 'trust_domain'],
      ['spiffe://acme.example:443/x', 'trust_domain'],
      ['spiffe://acme.example/a%2Fb', 'spiffe_id'],
      ['spiffe://acme.example/x/', 'spiffe_id'],
      ['https://acme.example/x', 'spiffe_id'],
      [42, 'spiffe_id'],
    ];
    for (const [sub, check] of cases) await expectCode(verifyJwtSvid(await svid(es256, { sub }), bundles, opts), 'malformed_input', check);
    await expectCode(verifyJwtSvid(await svid(es256, { sub: `spiffe://acme.example/${'x'.repeat(2100)}` }), bundles, opts), 'input_too_large', 'spiffe_id');
  });

  it('refuses alg none, HS256 (keyed with the public key), EdDSA, and an RSA SVID claiming ES256', async () => {
    const [h, p] = (await svid(es256)).split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    await expectCode(verifyJwtSvid(none, bundles, opts), 'unsupported_algorithm', 'svid_algorithm');
    const hs = await new SignJWT({ sub: ID, aud: AUD, exp: now + 60 }).setProtectedHeader({ alg: 'HS256', kid: 'acme-1' }).sign(new TextEncoder().encode(JSON.stringify(es256.jwk)));
    await expectCode(verifyJwtSvid(hs, bundles, opts), 'unsupported_algorithm', 'svid_algorithm');
    const ed = await signer('EdDSA', 'acme-1');
    await expectCode(verifyJwtSvid(await svid(ed), bundles, opts), 'unsupported_algorithm', 'svid_algorithm');
    await expectCode(verifyJwtSvid(await svid({ ...rs256, alg: 'RS256', kid: 'acme-1' }), bundles, opts), 'unknown_key', 'svid_key');
    await expectCode(verifyJwtSvid(await svid(rs256), bundles, { ...opts, algorithms: ['ES256'] }), 'unsupported_algorithm', 'svid_algorithm');
    expect(h).toBeTruthy();
  });

  it('refuses an expired SVID, one not yet valid, and one without exp, aud, or for another audience', async () => {
    await expectCode(verifyJwtSvid(await svid(es256, { exp: now - 60 }), bundles, opts), 'expired', 'svid_expiry');
    await expectCode(verifyJwtSvid(await svid(es256, { nbf: now + 600 }), bundles, opts), 'not_yet_valid', 'svid_not_before');
    await expectCode(verifyJwtSvid(await svid(es256, { exp: undefined }), bundles, opts), 'malformed_input', 'svid_claims');
    await expectCode(verifyJwtSvid(await svid(es256, { aud: undefined }), bundles, opts), 'malformed_input', 'svid_claims');
    await expectCode(verifyJwtSvid(await svid(es256, { aud: [] }), bundles, opts), 'wrong_audience', 'svid_audience');
    await expectCode(verifyJwtSvid(await svid(es256, { aud: 'https://elsewhere.example' }), bundles, opts), 'wrong_audience', 'svid_audience');
    await expectCode(verifyJwtSvid(await svid(es256, { exp: '2030' }), bundles, opts), 'malformed_input', 'svid_claims');
  });

  it('uses only bundle keys marked use "jwt-svid" with a kid: a key with another use, none, or private members authenticates nothing', async () => {
    const wrongUse: SpiffeBundles = { 'acme.example': { keys: [{ ...es256.jwk, use: 'sig' }, { ...rs256.jwk, use: 'x509-svid' }, { ...ps384.jwk, use: undefined }] } };
    await expectCode(verifyJwtSvid(await svid(es256), wrongUse, opts), 'untrusted_issuer', 'svid_bundle');
    const noKid: SpiffeBundles = { 'acme.example': { keys: [{ ...es256.jwk, kid: undefined }] } };
    await expectCode(verifyJwtSvid(await svid(es256), noKid, opts), 'untrusted_issuer', 'svid_bundle');
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const withPrivate: SpiffeBundles = { 'acme.example': { keys: [{ ...(await exportJWK(privateKey)), kid: 'acme-1', use: 'jwt-svid' }] } };
    await expectCode(verifyJwtSvid(await new SignJWT({ sub: ID, aud: AUD, exp: now + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'acme-1' }).sign(privateKey), withPrivate, opts), 'untrusted_issuer', 'svid_bundle');
    const empty: SpiffeBundles = { 'acme.example': { keys: [] } };
    await expectCode(verifyJwtSvid(await svid(es256), empty, opts), 'untrusted_issuer', 'svid_bundle');
    const mixed: SpiffeBundles = { 'acme.example': { keys: [{ ...es256.jwk, use: 'sig' }, rs256.jwk] } };
    await expectCode(verifyJwtSvid(await svid(es256), mixed, opts), 'unknown_key', 'svid_key');
    expect((await verifyJwtSvid(await svid(rs256), mixed, opts)).keyId).toBe('acme-2');
  });

  it('refuses headers JWT-SVID forbids, another typ, and forms other than JWS compact', async () => {
    await expectCode(verifyJwtSvid(await svid(es256, {}, { jku: 'https://evil.example/jwks' }), bundles, opts), 'malformed_input', 'svid_header');
    await expectCode(verifyJwtSvid(await svid(es256, {}, { jwk: es256.jwk }), bundles, opts), 'malformed_input', 'svid_header');
    await expectCode(verifyJwtSvid(await svid(es256, {}, { typ: 'at+jwt' }), bundles, opts), 'malformed_input', 'svid_type');
    const [h, p, sig] = (await svid(es256)).split('.');
    await expectCode(verifyJwtSvid(JSON.stringify({ protected: h, payload: p, signature: sig }), bundles, opts), 'malformed_input', 'svid');
    await expectCode(verifyJwtSvid(`${h}.${p}.${sig}.x`, bundles, opts), 'malformed_input', 'svid');
    await expectCode(verifyJwtSvid(`${h}=.${p}.${sig}`, bundles, opts), 'malformed_input', 'svid');
    await expectCode(verifyJwtSvid(`${h}.${Buffer.from('[1]').toString('base64url')}.${sig}`, bundles, opts), 'malformed_input', 'svid');
    await expectCode(verifyJwtSvid(`${h}.${p}`, bundles, opts), 'malformed_input', 'svid');
    await expectCode(verifyJwtSvid(`${h}.${Buffer.from(JSON.stringify({ sub: 'spiffe://acme.example/ns/agents/sa/admin', aud: AUD, exp: now + 60 })).toString('base64url')}.${sig}`, bundles, opts), 'invalid_signature', 'svid_signature');
    await expectCode(verifyJwtSvid('x'.repeat(9000), bundles, opts), 'input_too_large', 'svid');
  });

  it('answers junk with a code, never a crash; refuses bad trust domain names in its configuration', async () => {
    for (const junk of junkValues) {
      const error = await verifyJwtSvid(junk, bundles, opts).then(
        () => undefined,
        (e: { code?: string }) => e,
      );
      expect(['malformed_input', 'input_too_large', 'unsupported_algorithm']).toContain(error?.code);
    }
    await expectCode(verifyJwtSvid(await svid(es256), { 'Acme.example': { keys: [es256.jwk] } }, opts), 'malformed_input', 'trust_domain');
    await expect(verifyJwtSvid(await svid(es256), { 'acme.example': {} as never }, opts)).rejects.toThrow(TypeError);
  });
});
