/**
 * The platform layer on Node (also what `#platform` resolves to under the `node`
 * condition): node:crypto KeyObjects, hashes and HMAC, and Buffer's base64url. Its sibling
 * `web.ts` gives the same answers with WebCrypto and @noble/hashes; `types.ts` is the
 * contract both meet.
 *
 * @module platform/node
 */
import { type KeyObject, constants, createHash, createHmac, createPrivateKey, createPublicKey, createSecretKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import type { AsyncSign, AsyncVerify, HmacKey, PlatformJwk, SignatureAlgorithm, SyncSign, SyncVerify } from './types.js';

export type { AsyncSign, AsyncVerify, HmacKey, PlatformJwk, SignatureAlgorithm, SyncSign, SyncVerify } from './types.js';

/** Which implementation this is. */
export const PLATFORM = 'node' as const;

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

export function hmacSha256Key(secret: Uint8Array): HmacKey {
  return createSecretKey(secret) as unknown as HmacKey;
}

export function hmacSha256(key: HmacKey, ...data: Uint8Array[]): Uint8Array {
  const mac = createHmac('sha256', key as unknown as KeyObject);
  for (const part of data) mac.update(part);
  return new Uint8Array(mac.digest());
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function base64urlFromBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Decodes base64url leniently (the caller checks the text is canonical); a fresh, unshared array. */
export function bytesFromBase64url(text: string): Uint8Array {
  // A copy: small Buffers are views into Node's shared pool, and a view would expose (and
  // keep alive) unrelated pooled bytes through `.buffer`, a decoded secret among them.
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function verifyOptions(alg: SignatureAlgorithm, key: KeyObject): { hash: string | null; key: Parameters<typeof nodeVerify>[2] } {
  switch (alg) {
    case 'EdDSA':
      return { hash: null, key };
    case 'ES256':
    case 'ES256K':
      return { hash: 'sha256', key: { key, dsaEncoding: 'ieee-p1363' } };
    case 'ES256-DER':
      return { hash: 'sha256', key: { key, dsaEncoding: 'der' } };
    case 'ES384':
      return { hash: 'sha384', key: { key, dsaEncoding: 'ieee-p1363' } };
    case 'ES512':
      return { hash: 'sha512', key: { key, dsaEncoding: 'ieee-p1363' } };
    case 'RS256':
      return { hash: 'sha256', key };
    case 'PS256':
      return { hash: 'sha256', key: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } };
  }
}

/**
 * A synchronous native verifier for a public JWK, or null when this runtime lacks the key
 * type. Throws when the JWK is not a valid key of a type it has.
 */
export function syncVerifier(jwk: PlatformJwk, alg: SignatureAlgorithm): SyncVerify | null {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { ...jwk }, format: 'jwk' });
  } catch {
    return null;
  }
  const { hash, key: options } = verifyOptions(alg, key);
  return (signature, message) => {
    try {
      return nodeVerify(hash, message, options, signature);
    } catch {
      return false;
    }
  };
}

/** Node verifies synchronously at native speed: no asynchronous path is needed. */
export function asyncVerifier(_jwk: PlatformJwk, _alg: SignatureAlgorithm): AsyncVerify | null {
  return null;
}

/** A synchronous native signer (EdDSA, ES256) for a private JWK, or null when the runtime lacks the curve. */
export function syncSigner(jwk: PlatformJwk & { d: string }, alg: 'EdDSA' | 'ES256'): SyncSign | null {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: { ...jwk }, format: 'jwk' });
  } catch {
    return null;
  }
  return alg === 'EdDSA'
    ? (message) => new Uint8Array(nodeSign(null, message, key))
    : (message) => new Uint8Array(nodeSign('sha256', message, { key, dsaEncoding: 'ieee-p1363' }));
}

/** Node signs synchronously at native speed: no asynchronous path is needed. */
export function asyncSigner(_jwk: PlatformJwk & { d: string }, _alg: 'EdDSA' | 'ES256'): AsyncSign | null {
  return null;
}
