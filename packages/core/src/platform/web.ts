/**
 * The platform layer off Node (what `#platform` resolves to under every condition but
 * `node`: browsers, Deno, Bun, workerd): WebCrypto for signatures, @noble/hashes for the
 * hashes a synchronous API needs, @scure/base for base64url. Same contract and answers as
 * `node.ts` (tested against it under Node).
 *
 * @module platform/web
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as nobleBytesToHex } from '@noble/hashes/utils.js';
import { base64urlnopad } from '@scure/base';
import type { AsyncSign, AsyncVerify, DigestEncoding, HmacKey, PlatformJwk, SignatureAlgorithm, SyncSign, SyncVerify } from './types.js';

export type { AsyncSign, AsyncVerify, DigestEncoding, HmacKey, PlatformJwk, SignatureAlgorithm, SyncSign, SyncVerify } from './types.js';

/** Which implementation this is. */
export const PLATFORM = 'web' as const;

export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/** SHA-256 of the concatenation of `parts`, without concatenating them, as text. */
export function sha256Parts(parts: readonly Uint8Array[], encoding: DigestEncoding): string {
  const hash = nobleSha256.create();
  for (const part of parts) hash.update(part);
  return encoded(hash.digest(), encoding);
}

const encoded = (digest: Uint8Array, encoding: DigestEncoding): string => (encoding === 'hex' ? bytesToHex(digest) : base64urlFromBytes(digest));

/** None here: `sha256Text` encodes into a reused buffer, then hashes. */
export const sha256Utf8: ((text: string) => Uint8Array) | undefined = undefined;

export function hmacSha256Key(secret: Uint8Array): HmacKey {
  return Uint8Array.from(secret) as unknown as HmacKey;
}

export function hmacSha256(key: HmacKey | Uint8Array, ...data: Uint8Array[]): Uint8Array {
  const mac = hmac.create(nobleSha256, key as unknown as Uint8Array);
  for (const part of data) mac.update(part);
  return mac.digest();
}

// The runtime's own hex (Uint8Array.prototype.toHex: Chromium 140, Firefox 133, Safari 18.2), where it has it.
const nativeToHex = (Uint8Array.prototype as { toHex?: (this: Uint8Array) => string }).toHex;

export const bytesToHex: (bytes: Uint8Array) => string = nativeToHex !== undefined ? (bytes) => nativeToHex.call(bytes) : (bytes) => nobleBytesToHex(bytes);

// The runtime's own base64 (Uint8Array.prototype.toBase64, Uint8Array.fromBase64: Chromium
// 140, Firefox 133, Safari 18.2) where it has it, several times faster than JavaScript's.
type NativeBase64 = {
  toBase64?: (this: Uint8Array, options: { alphabet: 'base64url'; omitPadding: boolean }) => string;
};
type NativeFromBase64 = { fromBase64?: (text: string, options: { alphabet: 'base64url'; lastChunkHandling: 'loose' }) => Uint8Array };
const nativeToBase64 = (Uint8Array.prototype as NativeBase64).toBase64;
const nativeFromBase64 = (Uint8Array as NativeFromBase64).fromBase64;
// The options, made once: every signature's cache id and key name is encoded here.
const TO_BASE64URL = Object.freeze({ alphabet: 'base64url', omitPadding: true } as const);
const FROM_BASE64URL = Object.freeze({ alphabet: 'base64url', lastChunkHandling: 'loose' } as const);

export const base64urlFromBytes: (bytes: Uint8Array) => string =
  nativeToBase64 !== undefined ? (bytes) => nativeToBase64.call(bytes, TO_BASE64URL) : (bytes) => base64urlnopad.encode(bytes);

/**
 * Decodes base64url leniently where it can (the caller checks the text is canonical); throws on text it cannot decode.
 * (The native decoder also skips ASCII whitespace: core's only caller refuses any character
 * outside the alphabet first.)
 */
export const bytesFromBase64url: (text: string) => Uint8Array =
  nativeFromBase64 !== undefined ? (text) => nativeFromBase64(text, FROM_BASE64URL) : (text) => base64urlnopad.decode(text);

const NON_ASCII = /[^\0-\x7f]/;

export function utf8Length(text: string): number {
  // Tokens, DIDs and JSON are mostly ASCII: one native scan, then a byte per unit.
  if (!NON_ASCII.test(text)) return text.length;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3; // a lone surrogate is written as U+FFFD, 3 bytes
  }
  return n;
}

/** Off Node there is no synchronous native verifier: callers verify with @noble/curves, or asynchronously. */
export function syncVerifier(_jwk: PlatformJwk, _alg: SignatureAlgorithm): SyncVerify | null {
  return null;
}

/** Off Node there is no synchronous native signer. */
export function syncSigner(_jwk: PlatformJwk & { d: string }, _alg: 'EdDSA' | 'ES256'): SyncSign | null {
  return null;
}

// The part of WebCrypto used here, typed locally so the package needs no DOM typings.
interface WebCryptoKey {
  readonly type: string;
}
interface Subtle {
  importKey(format: 'jwk' | 'raw', keyData: object, algorithm: object, extractable: boolean, usages: string[]): Promise<WebCryptoKey>;
  verify(algorithm: object, key: WebCryptoKey, signature: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<boolean>;
  sign(algorithm: object, key: WebCryptoKey, data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
}

type Params = { importParams: object; verifyParams: object };

function webParams(alg: SignatureAlgorithm): Params | null {
  switch (alg) {
    case 'EdDSA':
      return { importParams: { name: 'Ed25519' }, verifyParams: { name: 'Ed25519' } };
    case 'ES256':
    case 'ES256-DER':
      return { importParams: { name: 'ECDSA', namedCurve: 'P-256' }, verifyParams: { name: 'ECDSA', hash: 'SHA-256' } };
    case 'ES384':
      return { importParams: { name: 'ECDSA', namedCurve: 'P-384' }, verifyParams: { name: 'ECDSA', hash: 'SHA-384' } };
    case 'ES512':
      return { importParams: { name: 'ECDSA', namedCurve: 'P-521' }, verifyParams: { name: 'ECDSA', hash: 'SHA-512' } };
    case 'RS256':
      return { importParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, verifyParams: { name: 'RSASSA-PKCS1-v1_5' } };
    case 'PS256':
      return { importParams: { name: 'RSA-PSS', hash: 'SHA-256' }, verifyParams: { name: 'RSA-PSS', saltLength: 32 } };
    default:
      return null; // ES256K: WebCrypto has no secp256k1
  }
}

function subtle(): Subtle | undefined {
  return (globalThis as { crypto?: { subtle?: Subtle } }).crypto?.subtle;
}

// WebCrypto takes an ArrayBuffer-backed view, and copies its bytes when called (Web
// Cryptography API, "get a copy of the bytes held by the buffer source"), so a later change
// to the caller's bytes cannot reach the operation: only a view of another kind of buffer
// (shared memory) is copied here.
const view = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => (bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes));

/** Strict DER `SEQUENCE { INTEGER r, INTEGER s }` to raw `r||s`, as OpenSSL reads it; null when it is not exactly that. */
function derToRaw(der: Uint8Array): Uint8Array | null {
  try {
    const signature = p256.Signature.fromBytes(der, 'der');
    // Re-encoding must give the same bytes: refuses lax forms (long lengths, padding) OpenSSL refuses.
    const again = signature.toBytes('der');
    if (again.length !== der.length || again.some((b, i) => b !== der[i])) return null;
    return signature.toBytes('compact');
  } catch {
    return null;
  }
}

/**
 * The raw form of an Ed25519 or EC public JWK (the 32 bytes; 0x04 ‖ x ‖ y), which WebCrypto
 * imports without JWK's parsing and checks (a tenth of the cost in Chromium); undefined for
 * other keys or members that do not decode, which are imported as JWK.
 */
function rawPublicKey(jwk: PlatformJwk): Uint8Array<ArrayBuffer> | undefined {
  // Only canonical base64url (what the JWK import would read the same way); the lenient decoders skip whitespace.
  const decode = (text: string) => {
    const bytes = bytesFromBase64url(text);
    if (base64urlFromBytes(bytes) !== text) throw new RangeError('not canonical base64url');
    return bytes;
  };
  try {
    if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.x !== undefined) return view(decode(jwk.x));
    if (jwk.kty === 'EC' && jwk.x !== undefined && jwk.y !== undefined) {
      const x = decode(jwk.x);
      const y = decode(jwk.y);
      if (x.length !== y.length) return undefined;
      const raw = new Uint8Array(1 + x.length + y.length);
      raw[0] = 4;
      raw.set(x, 1);
      raw.set(y, 1 + x.length);
      return raw;
    }
  } catch {
    // Not decodable here: the JWK import decides.
  }
  return undefined;
}

/** A WebCrypto error while verifying: the signature does not verify. */
const refused = () => false;

/** Whether `signature` over `message` verifies under `k`; a WebCrypto error, thrown or rejected, is `false`. */
function verifyUnder(s: Subtle, verifyParams: object, k: WebCryptoKey, signature: Uint8Array, message: Uint8Array): Promise<boolean> | boolean {
  try {
    return s.verify(verifyParams, k, view(signature), view(message)).catch(refused);
  } catch {
    return false;
  }
}

const VERIFY_USAGE = ['verify'];

/** A public key imported to verify with: its raw form when the caller has one, else (or when the runtime refuses that) its JWK. */
function importToVerify(s: Subtle, importParams: object, jwk: () => PlatformJwk, raw: Uint8Array<ArrayBuffer> | undefined): Promise<WebCryptoKey> {
  const fromJwk = () => s.importKey('jwk', { ...jwk(), ext: true } as object, importParams, false, VERIFY_USAGE);
  return raw === undefined ? fromJwk() : s.importKey('raw', raw, importParams, false, VERIFY_USAGE).catch(fromJwk);
}

/**
 * A WebCrypto verifier for a public JWK: the key is imported on first use. Resolves
 * `undefined` when this runtime's WebCrypto lacks the algorithm (import refused), so the
 * caller can fall back; a signature that does not verify (or a WebCrypto error while
 * verifying) is `false`. `raw`, when the caller has it, is the key's raw form (what
 * {@link rawPublicKey} would decode from `jwk`), imported as is.
 */
export function asyncVerifier(jwk: PlatformJwk, alg: SignatureAlgorithm, raw?: Uint8Array<ArrayBuffer>): AsyncVerify | null {
  const params = webParams(alg);
  const s = subtle();
  if (!params || !s) return null;
  // The imported key once it is known (null: this runtime refused it), so a key seen
  // before is verified with one WebCrypto call and one promise, no await in between.
  let known: WebCryptoKey | null | undefined;
  let importing: Promise<WebCryptoKey | null> | undefined;
  const importKey = () => {
    importing ??= importToVerify(s, params.importParams, () => jwk, raw ?? rawPublicKey(jwk)).then(
      (k) => (known = k),
      () => (known = null),
    );
    return importing;
  };
  const verifyWith = (k: WebCryptoKey | null, signature: Uint8Array, message: Uint8Array): Promise<boolean | undefined> | boolean | undefined => {
    if (k === null) return undefined;
    const raw = alg === 'ES256-DER' ? derToRaw(signature) : signature;
    if (!raw) return false;
    return verifyUnder(s, params.verifyParams, k, raw, message);
  };
  return (signature, message) => {
    if (known !== undefined) return Promise.resolve(verifyWith(known, signature, message));
    return importKey().then((k) => verifyWith(k, signature, message));
  };
}

const ED25519_PARAMS = Object.freeze({ name: 'Ed25519' });

/**
 * One Ed25519 verification with a raw key used once: an import and a verify, no verifier
 * kept. As {@link asyncVerifier}: a raw key this runtime refuses is imported as a JWK, and
 * `fallBack()` answers when it refuses that too (it lacks the curve); a WebCrypto error
 * while verifying is `false`. Null without WebCrypto. The bytes are read again once the
 * import settles, so none of them may change until the promise settles.
 */
export function ed25519VerifyOnceWeb(raw: Uint8Array, signature: Uint8Array, message: Uint8Array, fallBack: () => boolean): Promise<boolean> | null {
  const s = subtle();
  if (!s) return null;
  const jwk = () => ({ kty: 'OKP', crv: 'Ed25519', x: base64urlFromBytes(raw) });
  return importToVerify(s, ED25519_PARAMS, jwk, view(raw)).then((k) => verifyUnder(s, ED25519_PARAMS, k, signature, message), fallBack);
}

/** A WebCrypto signer (EdDSA, ES256) for a private JWK; resolves `undefined` when WebCrypto lacks the curve. */
export function asyncSigner(jwk: PlatformJwk & { d: string }, alg: 'EdDSA' | 'ES256'): AsyncSign | null {
  const params = webParams(alg);
  const s = subtle();
  if (!params || !s) return null;
  let key: Promise<WebCryptoKey | undefined> | undefined;
  return async (message) => {
    key ??= s.importKey('jwk', { ...jwk, ext: false } as object, params.importParams, false, ['sign']).then(
      (k) => k,
      () => undefined,
    );
    const k = await key;
    if (!k) return undefined;
    return new Uint8Array(await s.sign(params.verifyParams, k, view(message)));
  };
}

/** The public key of a 32-byte secret: Ed25519 raw, P-256 compressed. Throws on an invalid secret. */
export function publicKeyFromSecret(type: 'Ed25519' | 'P-256', secret: Uint8Array): Uint8Array {
  if (secret.length !== 32) throw new RangeError('a secret key is 32 bytes');
  return type === 'Ed25519' ? ed25519.getPublicKey(secret) : p256.getPublicKey(secret, true);
}
