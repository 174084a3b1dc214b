/**
 * The platform layer on Node (also what `#platform` resolves to under the `node`
 * condition): node:crypto KeyObjects, hashes and HMAC, and Buffer's base64url. Its sibling
 * `web.ts` gives the same answers with WebCrypto and @noble/hashes; `types.ts` is the
 * contract both meet.
 *
 * @module platform/node
 */
import * as nodeCrypto from 'node:crypto';
import { type KeyObject, constants, createECDH, createHash, createHmac, createPrivateKey, createPublicKey, createSecretKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import type { AsyncSign, AsyncVerify, DigestEncoding, HmacKey, PlatformJwk, SignatureAlgorithm, SyncSign, SyncVerify } from './types.js';

export type { AsyncSign, AsyncVerify, DigestEncoding, HmacKey, PlatformJwk, SignatureAlgorithm, SyncSign, SyncVerify } from './types.js';

/** Which implementation this is. */
export const PLATFORM = 'node' as const;

// crypto.hash (Node 20.12 and later): one call, no Hash object; for the short inputs hashed
// on every request it costs about two thirds of createHash's.
const oneShot = (nodeCrypto as { hash?: typeof nodeCrypto.hash }).hash;

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(oneShot ? oneShot('sha256', data, 'buffer') : createHash('sha256').update(data).digest());
}

// Small inputs are copied into one buffer and hashed in one call: a Hash object and a native
// call per part cost more than the copy (a Biscuit hop's revocation id has seven parts).
// The digest comes back as text from the same call: a Buffer of 32 bytes, then its copy and
// its encoding, cost more than hashing a Biscuit block.
const PARTS_SCRATCH = Buffer.allocUnsafeSlow(4096);

/** SHA-256 of the concatenation of `parts` (small ones joined in a reused buffer, larger ones hashed part by part), as text. */
export function sha256Parts(parts: readonly Uint8Array[], encoding: DigestEncoding): string {
  if (oneShot) {
    let length = 0;
    for (const part of parts) length += part.length;
    if (length <= PARTS_SCRATCH.length) {
      let offset = 0;
      for (const part of parts) {
        PARTS_SCRATCH.set(part, offset);
        offset += part.length;
      }
      return oneShot('sha256', PARTS_SCRATCH.subarray(0, length), encoding);
    }
  }
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest(encoding);
}

/** SHA-256 of a string's UTF-8 bytes, without encoding it into an array first (`web.ts` has none). */
export const sha256Utf8: ((text: string) => Uint8Array) | undefined = (text) =>
  new Uint8Array(oneShot ? oneShot('sha256', text, 'buffer') : createHash('sha256').update(text, 'utf8').digest());

export function hmacSha256Key(secret: Uint8Array): HmacKey {
  return createSecretKey(secret) as unknown as HmacKey;
}

export function hmacSha256(key: HmacKey | Uint8Array, ...data: Uint8Array[]): Uint8Array {
  const mac = createHmac('sha256', key as unknown as KeyObject | Uint8Array);
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
  const out = new Uint8Array((text.length * 3) >> 2);
  Buffer.from(out.buffer, 0, out.length).write(text, 'base64url');
  return out;
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
export function asyncVerifier(_jwk: PlatformJwk, _alg: SignatureAlgorithm, _raw?: Uint8Array<ArrayBuffer>): AsyncVerify | null {
  return null;
}

/** Node verifies synchronously at native speed: no key used once is imported for WebCrypto. */
export function ed25519VerifyOnceWeb(_raw: Uint8Array, _signature: Uint8Array, _message: Uint8Array, _fallBack: () => boolean): Promise<boolean> | null {
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

// DER of PrivateKeyInfo { version 0, algorithm id-Ed25519 (1.3.101.112), OCTET STRING { OCTET STRING (32) } } before the seed (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function ed25519PublicViaPkcs8(secret: Uint8Array): Uint8Array {
  const x = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, secret]), format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }).x as string;
  return new Uint8Array(Buffer.from(x, 'base64url'));
}

function ed25519PublicViaJwk(secret: Uint8Array): Uint8Array {
  const d = Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength).toString('base64url');
  const x = createPublicKey(createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d, x: '' }, format: 'jwk' })).export({ format: 'jwk' }).x as string;
  return new Uint8Array(Buffer.from(x, 'base64url'));
}

// The private key's own JWK carries `x`: no public KeyObject to make (about a third less).
function ed25519PublicViaPrivateJwk(secret: Uint8Array): Uint8Array {
  const d = Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength).toString('base64url');
  const x = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d, x: '' }, format: 'jwk' }).export({ format: 'jwk' }).x as string;
  return new Uint8Array(Buffer.from(x, 'base64url'));
}

/**
 * How this Node line derives an Ed25519 public key from a seed, chosen once by the RFC 8032
 * test 1 vector: a JWK with an empty `x` (about a tenth of the cost of PKCS#8 on Node 20 and
 * 22, whose OpenSSL decoders are slow), `x` read from the private key's own JWK or else from
 * a public key made of it, where that gives the right key; else a PKCS#8 seed (Node 24.22 and
 * 26 refuse such a JWK; their PKCS#8 import is fast).
 */
const ed25519PublicOf: (secret: Uint8Array) => Uint8Array = (() => {
  const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
  const expected = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
  for (const derive of [ed25519PublicViaPrivateJwk, ed25519PublicViaJwk]) {
    try {
      if (Buffer.from(derive(seed)).toString('hex') === expected) return derive;
    } catch {
      // This Node line refuses a JWK without `x`.
    }
  }
  return ed25519PublicViaPkcs8;
})();

/** The public key of a 32-byte secret: Ed25519 raw, P-256 compressed. Throws on an invalid secret. */
export function publicKeyFromSecret(type: 'Ed25519' | 'P-256', secret: Uint8Array): Uint8Array {
  if (secret.length !== 32) throw new RangeError('a secret key is 32 bytes');
  if (type === 'Ed25519') return ed25519PublicOf(secret);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(secret);
  return new Uint8Array(ecdh.getPublicKey(null, 'compressed'));
}
