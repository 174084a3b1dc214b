import { constants, generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JWS_VERIFY_ALGORITHMS, KeyPair, VerificationKey } from '../src/index.js';
import { expectCode, junkValues } from '@agent-id/test-support';
import { utf8 } from './helpers.js';

const msg = utf8('header.payload');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaJwk = rsa.publicKey.export({ format: 'jwk' }) as { kty: 'RSA'; n: string; e: string };
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
const jwkOf = (k: ReturnType<typeof generateKeyPairSync>['publicKey']) => k.export({ format: 'jwk' }) as Record<string, string>;

const signed = {
  RS256: sign('sha256', msg, rsa.privateKey),
  PS256: sign('sha256', msg, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
  ES384: sign('sha384', msg, { key: p384.privateKey, dsaEncoding: 'ieee-p1363' }),
  ES512: sign('sha512', msg, { key: p521.privateKey, dsaEncoding: 'ieee-p1363' }),
};

describe('VerificationKey', () => {
  it('verifies RS256 and PS256 with an RSA key, ES384 with P-384, ES512 with P-521', () => {
    const key = VerificationKey.fromJwk({ ...rsaJwk, kid: 'rsa-1' });
    expect(key.kid).toBe('rsa-1');
    expect(key.algorithms).toEqual(['RS256', 'PS256']);
    expect(key.verify('RS256', signed.RS256, msg)).toBe(true);
    expect(key.verify('PS256', signed.PS256, msg)).toBe(true);
    expect(key.verify('PS256', signed.RS256, msg)).toBe(false);
    expect(key.verify('RS256', signed.RS256, utf8('other'))).toBe(false);
    expect(VerificationKey.fromJwk(jwkOf(p384.publicKey)).verify('ES384', signed.ES384, msg)).toBe(true);
    expect(VerificationKey.fromJwk(jwkOf(p521.publicKey)).verify('ES512', signed.ES512, msg)).toBe(true);
    expect(VerificationKey.fromJwk(jwkOf(p521.publicKey)).verify('ES512', signed.ES512.subarray(1), msg)).toBe(false);
  });

  it('verifies the signing key types through PublicKey', () => {
    for (const type of ['Ed25519', 'P-256', 'secp256k1'] as const) {
      const kp = KeyPair.generate(type);
      const key = VerificationKey.fromJwk(kp.publicKey.toJwk());
      expect(key.algorithms).toEqual([kp.algorithm]);
      expect(key.verify(kp.algorithm, kp.sign(msg), msg)).toBe(true);
      expect(VerificationKey.fromPublicKey(kp.publicKey).thumbprint()).toBe(key.thumbprint());
    }
  });

  it('ties every algorithm to its key type: any other pairing is key_mismatch', () => {
    const keys = [
      VerificationKey.fromJwk(rsaJwk),
      VerificationKey.fromJwk(jwkOf(p384.publicKey)),
      VerificationKey.fromJwk(jwkOf(p521.publicKey)),
      ...(['Ed25519', 'P-256', 'secp256k1'] as const).map((t) => VerificationKey.fromPublicKey(KeyPair.generate(t).publicKey)),
    ];
    for (const key of keys) {
      for (const alg of JWS_VERIFY_ALGORITHMS) {
        if (key.algorithms.includes(alg)) continue;
        expectCode(() => key.verify(alg, new Uint8Array(64), msg), 'key_mismatch');
      }
      for (const alg of ['none', 'HS256', 'RS512', 'ES256k', '', null, 1]) expectCode(() => key.verify(alg, new Uint8Array(64), msg), 'unsupported_algorithm');
    }
  });

  it("a JWK's alg narrows the key: an RSA key pinned for RS256 refuses PS256", () => {
    const key = VerificationKey.fromJwk({ ...rsaJwk, alg: 'RS256' });
    expect(key.algorithms).toEqual(['RS256']);
    expectCode(() => key.verify('PS256', signed.PS256, msg), 'key_mismatch');
    expectCode(() => VerificationKey.fromJwk({ ...rsaJwk, alg: 'ES256' }), 'key_mismatch');
    expectCode(() => VerificationKey.fromJwk({ ...rsaJwk, alg: 'HS256' }), 'unsupported_algorithm');
  });

  it('refuses small RSA keys, huge exponents, private members, HMAC keys and other uses', () => {
    const small = jwkOf(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey);
    expectCode(() => VerificationKey.fromJwk(small), 'unsupported_algorithm', 'key_size');
    expectCode(() => VerificationKey.fromJwk({ ...rsaJwk, e: 'AAEAAQ' }), 'malformed_input', 'public_key');
    expectCode(() => VerificationKey.fromJwk({ ...rsaJwk, e: 'AQAAAAE' }), 'malformed_input', 'public_key');
    expectCode(() => VerificationKey.fromJwk({ ...rsaJwk, e: 'Ag' }), 'malformed_input', 'public_key');
    expectCode(() => VerificationKey.fromJwk(rsa.privateKey.export({ format: 'jwk' })), 'malformed_input', 'public_key');
    expectCode(() => VerificationKey.fromJwk({ kty: 'oct', k: 'c2VjcmV0' }), 'malformed_input', 'public_key');
    expectCode(() => VerificationKey.fromJwk({ kty: 'oct' }), 'unsupported_algorithm', 'key_type');
    expectCode(() => VerificationKey.fromJwk({ ...rsaJwk, use: 'enc' }), 'malformed_input', 'public_key');
    expectCode(() => VerificationKey.fromJwk({ ...rsaJwk, key_ops: ['sign'] }), 'malformed_input', 'public_key');
    expectCode(() => VerificationKey.fromJwk({ ...jwkOf(p384.publicKey), y: jwkOf(p384.publicKey).x }), 'malformed_input', 'public_key');
    expectCode(() => VerificationKey.fromJwk({ ...jwkOf(p384.publicKey), x: 'AA' }), 'malformed_input', 'public_key');
    expectCode(() => VerificationKey.fromJwk(rsaJwk, { minRsaBits: 1024 }), 'malformed_input', 'options');
    expect(VerificationKey.fromJwk(rsaJwk, { minRsaBits: 2048 }).algorithms).toHaveLength(2);
    expectCode(() => VerificationKey.fromJwk(rsaJwk, { minRsaBits: 3072 }), 'unsupported_algorithm', 'key_size');
  });

  it('junk of every type is a coded error, never a crash', () => {
    for (const junk of junkValues) {
      expectCode(() => VerificationKey.fromJwk(junk), expect.stringMatching(/^(malformed_input|unsupported_algorithm)$/) as unknown as string);
      for (const member of ['n', 'e', 'x', 'y', 'kid', 'use', 'alg', 'key_ops']) {
        try {
          VerificationKey.fromJwk({ ...rsaJwk, ...jwkOf(p384.publicKey), kty: member === 'n' || member === 'e' ? 'RSA' : 'EC', [member]: junk });
        } catch (e) {
          expect(['malformed_input', 'unsupported_algorithm', 'key_mismatch']).toContain((e as { code?: string }).code);
        }
      }
    }
  });

  it('RFC 7638 section 3.1 thumbprint', () => {
    const n =
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
    expect(VerificationKey.fromJwk({ kty: 'RSA', n, e: 'AQAB', alg: 'RS256', kid: '2011-04-29' }).thumbprint()).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('property: a signature verifies only over the exact message it was made for', () => {
    const key = VerificationKey.fromJwk(jwkOf(p384.publicKey));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (other) => {
        fc.pre(Buffer.compare(Buffer.from(other), Buffer.from(msg)) !== 0);
        expect(key.verify('ES384', signed.ES384, other)).toBe(false);
      }),
      { numRuns: 50 },
    );
  });
});
