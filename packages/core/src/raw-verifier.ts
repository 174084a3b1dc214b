import { PLATFORM, asyncVerifier, ed25519VerifyOnceWeb, type PlatformJwk, publicKeyFromSecret, type SignatureAlgorithm, syncSigner, syncVerifier } from '#platform';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { base64urlDecode, base64urlEncode } from './base64url.js';
import { concatBytes } from './bytes.js';
import { ed25519VerifyCofactorless } from './keys.js';

/** A signature check for one key, synchronous and asynchronous, with the same answers. */
export interface RawVerifier {
  /** Native on Node; @noble/curves elsewhere (about ten times slower than WebCrypto). */
  verify(signature: Uint8Array, message: Uint8Array): boolean;
  /** Native on Node, WebCrypto elsewhere (@noble/curves where WebCrypto lacks the curve). */
  verifyAsync(signature: Uint8Array, message: Uint8Array): Promise<boolean>;
}

function rawVerifier(
  jwk: PlatformJwk,
  alg: SignatureAlgorithm,
  portable: (signature: Uint8Array, message: Uint8Array) => boolean,
  precheck: (signature: Uint8Array) => boolean = () => true,
  raw?: Uint8Array<ArrayBuffer>,
): RawVerifier {
  const native = syncVerifier(jwk, alg);
  const safe = (signature: Uint8Array, message: Uint8Array) => {
    try {
      return portable(signature, message);
    } catch {
      return false;
    }
  };
  if (native) return { verify: native, verifyAsync: async (s, m) => native(s, m) };
  let web = asyncVerifier(jwk, alg, raw);
  // Not async: an async layer over WebCrypto's promise costs a promise and ticks per signature.
  const fallBack = (signature: Uint8Array, message: Uint8Array) => (result: boolean | undefined) => {
    if (result !== undefined) return result;
    web = null; // this runtime's WebCrypto lacks the curve
    return safe(signature, message);
  };
  return {
    verify: safe,
    verifyAsync(signature, message) {
      if (!web) return Promise.resolve(safe(signature, message));
      if (!precheck(signature)) return Promise.resolve(false);
      return web(signature, message).then(fallBack(signature, message));
    },
  };
}

// The order L of the Ed25519 base point, little-endian.
const ED25519_ORDER_LE = [237, 211, 245, 92, 26, 99, 18, 88, 214, 156, 247, 162, 222, 249, 222, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16];

/** Whether the little-endian 32-byte scalar at `offset` is below L, compared byte by byte from the top (no BigInt, no view). */
export function scalarBelowOrder(bytes: Uint8Array, offset: number): boolean {
  for (let i = 31; i >= 0; i--) {
    const b = bytes[offset + i]!;
    const l = ED25519_ORDER_LE[i]!;
    if (b !== l) return b < l;
  }
  return false;
}

/**
 * A verifier for a raw 32-byte Ed25519 key, with node:crypto's acceptance rules (S below
 * the group order, cofactorless equation) on every path. Checks nothing about the key
 * beyond its length: callers decide which keys they trust.
 */
export function ed25519RawVerifier(publicKey: Uint8Array): RawVerifier {
  if (publicKey.length !== 32) throw new RangeError('an Ed25519 key is 32 bytes');
  const key = Uint8Array.from(publicKey); // a copy even of a Buffer (whose slice is a view)
  // node:crypto and @noble (cofactorless) refuse S >= L; so does every WebCrypto, checked here too.
  return rawVerifier({ kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(key) }, 'EdDSA', (s, m) => ed25519VerifyCofactorless(s, m, key), (s) => s.length === 64 && scalarBelowOrder(s, 32), key);
}

/**
 * {@link ed25519RawVerifier}`(publicKey).verifyAsync(signature, message)` for a key used
 * once (a Biscuit's next key, whose secret travels with the token): the same answers,
 * without a verifier to build; with WebCrypto, one import and one verify. The bytes are
 * read after the import, so none of them may change until the promise settles.
 */
export function ed25519VerifyOnceAsync(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
  if (publicKey.length !== 32) throw new RangeError('an Ed25519 key is 32 bytes');
  if (signature.length !== 64 || !scalarBelowOrder(signature, 32)) return Promise.resolve(false);
  const once = ed25519VerifyOnceWeb(publicKey, signature, message, () => {
    try {
      return ed25519VerifyCofactorless(signature, message, publicKey);
    } catch {
      return false;
    }
  });
  return once ?? ed25519RawVerifier(publicKey).verifyAsync(signature, message);
}

/**
 * A verifier for a P-256 key (SEC1, compressed or not) and ECDSA over SHA-256 with DER or
 * raw `r||s` signatures. Throws when the bytes are not a point of the curve.
 */
export function p256RawVerifier(publicKey: Uint8Array, format: 'der' | 'compact'): RawVerifier {
  const point = p256.Point.fromBytes(publicKey);
  point.assertValidity();
  const full = point.toBytes(false);
  const jwk = { kty: 'EC', crv: 'P-256', x: base64urlEncode(full.subarray(1, 33)), y: base64urlEncode(full.subarray(33, 65)) };
  return rawVerifier(jwk, format === 'der' ? 'ES256-DER' : 'ES256', (s, m) => p256.verify(s, m, full, { prehash: true, lowS: false, format }));
}

/**
 * Signs `message` with a raw 32-byte Ed25519 secret (RFC 8032), without the checks a
 * `KeyPair` makes of a key that carries authority: for ephemeral keys such as a Biscuit
 * token's next key, whose secret every holder has. Native on Node, @noble/curves elsewhere.
 */
export function ed25519RawSign(secret: Uint8Array, message: Uint8Array, publicKey: Uint8Array = publicKeyFromSecret('Ed25519', secret)): Uint8Array {
  if (secret.length !== 32 || publicKey.length !== 32) throw new RangeError('an Ed25519 secret and public key are 32 bytes');
  const native = syncSigner({ kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(publicKey), d: base64urlEncode(secret) }, 'EdDSA');
  return native ? native(message) : ed25519.sign(message, secret);
}

// DER of PrivateKeyInfo { version 0, algorithm id-Ed25519 (1.3.101.112), OCTET STRING { OCTET STRING (32) } } before the seed (RFC 8410).
const ED25519_PKCS8_PREFIX = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

interface DerivingSubtle {
  importKey(format: 'pkcs8', keyData: Uint8Array<ArrayBuffer>, algorithm: { name: 'Ed25519' }, extractable: true, usages: ['sign']): Promise<object>;
  exportKey(format: 'jwk', key: object): Promise<{ x?: unknown }>;
}

/**
 * The Ed25519 public key of a raw 32-byte secret, asynchronously: off Node with WebCrypto
 * (the seed imported as PKCS#8, the key exported as a JWK, whose `x` the runtime derives),
 * about a tenth of @noble/curves' cost there, and off the caller's synchronous path;
 * natively on Node. Resolves `undefined` where WebCrypto cannot (no Ed25519), for the
 * caller to derive synchronously.
 */
export function ed25519PublicKeyFromSecretAsync(secret: Uint8Array): Promise<Uint8Array | undefined> {
  if (secret.length !== 32) return Promise.reject(new RangeError('an Ed25519 secret is 32 bytes'));
  if (PLATFORM === 'node') return Promise.resolve(publicKeyFromSecret('Ed25519', secret));
  const subtle = (globalThis as { crypto?: { subtle?: DerivingSubtle } }).crypto?.subtle;
  if (subtle === undefined) return Promise.resolve(undefined);
  const none = () => undefined;
  // Not async: two WebCrypto promises and no async layer over them.
  try {
    return subtle
      .importKey('pkcs8', concatBytes(ED25519_PKCS8_PREFIX, secret) as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, true, ['sign'])
      .then((key) => subtle.exportKey('jwk', key))
      .then(({ x }) => {
        if (typeof x !== 'string') return undefined;
        const publicKey = base64urlDecode(x);
        return publicKey.length === 32 ? publicKey : undefined;
      })
      .catch(none);
  } catch {
    return Promise.resolve(undefined);
  }
}
