import { KeyObject, generateKeyPairSync, sign } from 'node:crypto';
import { manualClock } from '@agent-id/core';
import { expectCode } from '@agent-id/test-support';
import { type CryptoKey, type JWK, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { beforeAll, expect, it } from 'vitest';
import { TOKEN_TYPES, type TrustedIdentityProvider, verifySubjectToken } from '../src/index.js';

// ID tokens minted with jose by an issuer with a local JWKS: the signature is checked with
// node:crypto, the claims as jose's jwtVerify would; each refusal with its code and check.
const ISS = 'https://login.acme.example';
const T0 = Date.parse('2026-12-01T12:00:00Z');
const now = Math.floor(T0 / 1000);
const clock = manualClock(T0);
const opts = { tokenType: TOKEN_TYPES.idToken, clock };
const signers: Record<string, { privateKey: CryptoKey; jwk: JWK }> = {};
let provider: TrustedIdentityProvider;

async function keyFor(alg: string, kid: string): Promise<void> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  signers[kid] = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

function idToken(kid: string, alg: string, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ iss: ISS, sub: 'alice', aud: 'token-service', exp: now + 600, iat: now, ...claims }).setProtectedHeader({ alg, kid, ...header }).sign(signers[kid]!.privateKey);
}

beforeAll(async () => {
  await Promise.all([keyFor('RS256', 'rs'), keyFor('PS256', 'ps'), keyFor('ES256', 'es'), keyFor('EdDSA', 'ed'), keyFor('ES384', 'es384')]);
  provider = { issuer: ISS, audience: ['token-service', 'other'], jwks: { keys: Object.values(signers).map((s) => s.jwk) }, algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA', 'ES384'] };
});

it('verifies RS256, PS256, ES256, ES384 and EdDSA ID tokens signed with jose', async () => {
  for (const [kid, alg] of [['rs', 'RS256'], ['ps', 'PS256'], ['es', 'ES256'], ['es384', 'ES384'], ['ed', 'EdDSA']] as const) {
    expect(await verifySubjectToken(await idToken(kid, alg), [provider], opts)).toEqual({ issuer: ISS, subject: 'alice', kind: 'id_token', expiresAt: now + 600 });
  }
  expect((await verifySubjectToken(await idToken('es', 'ES256', { aud: ['x', 'other'] }), [provider], opts)).subject).toBe('alice');
});

it('finds the key among several without a kid', async () => {
  const bare = { ...provider, jwks: { keys: Object.values(signers).map(({ jwk: { kid: _kid, ...jwk } }) => jwk) } };
  const token = await new SignJWT({ iss: ISS, sub: 'alice', aud: 'token-service', exp: now + 60 }).setProtectedHeader({ alg: 'ES256' }).sign(signers.es!.privateKey);
  expect((await verifySubjectToken(token, [bare], opts)).subject).toBe('alice');
});

it('refuses expired, not-yet-valid, future-issued tokens and tokens without exp or aud, or for another audience', async () => {
  await expectCode(verifySubjectToken(await idToken('es', 'ES256', { exp: now - 10 }), [provider], opts), 'expired', 'subject_expiry');
  await expectCode(verifySubjectToken(await idToken('es', 'ES256', { exp: now }), [provider], { ...opts, clockToleranceSec: 0 }), 'expired', 'subject_expiry');
  expect((await verifySubjectToken(await idToken('es', 'ES256', { exp: now - 3 }), [provider], opts)).subject).toBe('alice');
  await expectCode(verifySubjectToken(await idToken('es', 'ES256', { nbf: now + 60 }), [provider], opts), 'not_yet_valid', 'subject_not_before');
  await expectCode(verifySubjectToken(await idToken('es', 'ES256', { iat: now + 60 }), [provider], opts), 'not_yet_valid', 'subject_not_before');
  await expectCode(verifySubjectToken(await idToken('es', 'ES256', { exp: undefined }), [provider], opts), 'malformed_input', 'subject_claims');
  await expectCode(verifySubjectToken(await idToken('es', 'ES256', { exp: '2030-01-01' }), [provider], opts), 'malformed_input', 'subject_claims');
  await expectCode(verifySubjectToken(await idToken('es', 'ES256', { nbf: null }), [provider], opts), 'malformed_input', 'subject_claims');
  await expectCode(verifySubjectToken(await idToken('es', 'ES256', { aud: undefined }), [provider], opts), 'wrong_audience', 'subject_audience');
  await expectCode(verifySubjectToken(await idToken('es', 'ES256', { aud: ['wiki'] }), [provider], opts), 'wrong_audience', 'subject_audience');
  await expectCode(verifySubjectToken(await idToken('es', 'ES256', { sub: '' }), [provider], opts), 'malformed_input', 'subject_claims');
});

it('refuses a forged, re-encoded or wrongly keyed signature, and a crit header', async () => {
  const token = await idToken('es', 'ES256');
  const [h, p, s] = token.split('.');
  await expectCode(verifySubjectToken(`${h}.${Buffer.from(JSON.stringify({ iss: ISS, sub: 'mallory', aud: 'token-service', exp: now + 600 })).toString('base64url')}.${s}`, [provider], opts), 'invalid_signature', 'subject_signature');
  // The same signature bytes spelt another way (base64 with padding, or a stray character) are not this token.
  const sig = Buffer.from(s!, 'base64url');
  await expectCode(verifySubjectToken(`${h}.${p}.${sig.toString('base64')}`, [provider], opts), 'invalid_signature', 'subject_signature');
  await expectCode(verifySubjectToken(`${h}.${p}.${s}A`, [provider], opts), 'invalid_signature', 'subject_signature');
  // An ES256 token naming the ES384 key, and an RS256 token naming the PS256 key.
  await expectCode(verifySubjectToken(await idToken('es', 'ES256', {}, { kid: 'es384' }), [provider], opts), 'unknown_key', 'subject_key');
  const rsHeader = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'ps' })).toString('base64url');
  const psKeyAsRs = `${rsHeader}.${p}.${sign('sha256', Buffer.from(`${rsHeader}.${p}`), KeyObject.from(signers.ps!.privateKey)).toString('base64url')}`;
  await expectCode(verifySubjectToken(psKeyAsRs, [provider], opts), 'unknown_key', 'subject_key');
  // jose will not sign an unknown critical header: signed here with node:crypto.
  const critHeader = Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'es', crit: ['x'], x: 1 })).toString('base64url');
  const crit = `${critHeader}.${p}.${sign('sha256', Buffer.from(`${critHeader}.${p}`), { key: KeyObject.from(signers.es!.privateKey), dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  await expectCode(verifySubjectToken(crit, [provider], opts), 'malformed_input', 'subject_token');
  await expectCode(verifySubjectToken(await idToken('es', 'ES256', {}, { kid: 'nope' }), [provider], opts), 'unknown_key', 'subject_key');
});

it('reads a token only in its one spelling: three segments of canonical base64url, each part a UTF-8 JSON object', async () => {
  const token = await idToken('es', 'ES256');
  const [h, p, s] = token.split('.') as [string, string, string];
  const b64 = (text: string) => Buffer.from(text).toString('base64url');
  const spellings = [
    `${h}.${p}`,
    `${h}.${p}.${s}.${s}`,
    `${h}.${p}.${s}.`,
    `.${p}.${s}`,
    `${h}..${s}`,
    // Padding, white space and a non-canonical last character (jose's decoder takes each).
    `${h}=.${p}.${s}`,
    `${h}.${p} .${s}`,
    `${h.slice(0, -1)}${String.fromCharCode(h.charCodeAt(h.length - 1) + 1)}.${p}.${s}`,
    `${h}.${Buffer.from(p, 'base64url').toString('base64')}.${s}`,
    // Not JSON objects, or not UTF-8.
    `${b64('[1]')}.${p}.${s}`,
    `${h}.${b64('"alice"')}.${s}`,
    `${h}.${b64('null')}.${s}`,
    `${h}.${Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]).toString('base64url')}.${s}`,
    `${b64('{"alg":"ES256"')}.${p}.${s}`,
  ];
  for (const spelling of spellings) await expectCode(verifySubjectToken(spelling, [provider], opts), 'malformed_input', 'subject_token');
  expect((await verifySubjectToken(token, [provider], opts)).subject).toBe('alice');
});

it('never takes a secret from the JWKS as the key, even for an HS256 the provider was told to allow', async () => {
  const secret = new TextEncoder().encode('a-shared-secret-of-thirty-two-bytes!');
  const hs = { ...provider, algorithms: ['HS256'], jwks: { keys: [{ kty: 'oct', k: Buffer.from(secret).toString('base64url'), kid: 'hs', alg: 'HS256' }] } };
  const token = await new SignJWT({ iss: ISS, sub: 'alice', aud: 'token-service', exp: now + 60 }).setProtectedHeader({ alg: 'HS256', kid: 'hs' }).sign(secret);
  const error = await verifySubjectToken(token, [hs], opts).catch((e: { code?: string }) => e);
  expect(['unknown_key', 'invalid_signature']).toContain((error as { code?: string }).code);
});

it('refuses an RSA key shorter than 2048 bits, as jose does', async () => {
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const jwk = { ...(weak.publicKey.export({ format: 'jwk' }) as JWK), kid: 'weak', alg: 'RS256' };
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'weak' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify({ iss: ISS, sub: 'alice', aud: 'token-service', exp: now + 60 })).toString('base64url');
  const token = `${header}.${payload}.${sign('sha256', Buffer.from(`${header}.${payload}`), weak.privateKey).toString('base64url')}`;
  const error = await verifySubjectToken(token, [{ ...provider, jwks: { keys: [jwk] } }], opts).catch((e: { code?: string }) => e);
  expect(['invalid_signature', 'unknown_key']).toContain((error as { code?: string }).code);
});

it('refuses with unreachable when the issuer\'s keys cannot be fetched', async () => {
  const gone: TrustedIdentityProvider = { issuer: ISS, audience: 'token-service', jwksUri: 'http://127.0.0.1:1/jwks.json' };
  await expectCode(verifySubjectToken(await idToken('es', 'ES256'), [gone], opts), 'unreachable', 'issuer_keys');
  const noMetadata: TrustedIdentityProvider = { issuer: 'http://127.0.0.1:1', audience: 'token-service' };
  const token = await new SignJWT({ iss: 'http://127.0.0.1:1', sub: 'alice', aud: 'token-service', exp: now + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'es' }).sign(signers.es!.privateKey);
  await expectCode(verifySubjectToken(token, [noMetadata], opts), 'unreachable', 'issuer_metadata');
});
