import { type AsyncSign, type AsyncVerify, type SyncSign, type SyncVerify, asyncSigner, asyncVerifier, publicKeyFromSecret, syncSigner, syncVerifier } from '#platform';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE, bytesToNumberLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { base64urlDecode, base64urlEncode } from './base64url.js';
import { abytes, concatBytes, equalBytes } from './bytes.js';
import { KeyMismatchError, MalformedInputError, UnsupportedAlgorithmError } from './errors.js';
import { isRecord } from './json.js';
import { multibaseDecode, multibaseEncode } from './multibase.js';

/** Key types agent-id supports. */
export type KeyType = 'Ed25519' | 'P-256' | 'secp256k1';
/** JWS algorithms, one per key type. */
export type JwsAlgorithm = 'EdDSA' | 'ES256' | 'ES256K';

/** A public key as JWK. */
export type PublicJwk =
  | { kty: 'OKP'; crv: 'Ed25519'; x: string; kid?: string }
  | { kty: 'EC'; crv: 'P-256' | 'secp256k1'; x: string; y: string; kid?: string };
/** A private key as JWK (holds the secret `d`). */
export type PrivateJwk = PublicJwk & { d: string };

/** All key types, in the order tools list them. */
export const KEY_TYPES: readonly KeyType[] = ['Ed25519', 'P-256', 'secp256k1'];
/** All supported JWS algorithms; `none` and HMAC algorithms are never accepted. */
export const JWS_ALGORITHMS: readonly JwsAlgorithm[] = ['EdDSA', 'ES256', 'ES256K'];

interface Suite {
  alg: JwsAlgorithm;
  multicodec: Uint8Array;
  secretLength: number;
  publicLength: number;
  randomSecret(): Uint8Array;
  publicFromSecret(secret: Uint8Array): Uint8Array;
  sign(message: Uint8Array, secret: Uint8Array): Uint8Array;
  nobleVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  validatePublic(bytes: Uint8Array): void;
  uncompressed(bytes: Uint8Array): Uint8Array;
  compress(uncompressed: Uint8Array): Uint8Array;
}

const SECP256K1_HALF_N = secp256k1.Point.Fn.ORDER >> 1n;
const ED25519_L = ed25519.Point.Fn.ORDER;

/** A short, printable description of an untrusted value (never throws). */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 32));
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return String(value).slice(0, 32);
  return Array.isArray(value) ? 'array' : typeof value;
}

/**
 * Ed25519 verification with the same acceptance rules as node:crypto (OpenSSL, ref10):
 * S must be below the group order, and the signature's R must equal the canonical
 * encoding of [S]B - [k]A (cofactorless equation). @noble/curves' own `verify` is
 * cofactored and, by default, accepts ZIP-215 encodings, so it accepts edge-case
 * signatures that the native path refuses; this keeps both paths in agreement.
 */
export function ed25519VerifyCofactorless(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  const r = signature.subarray(0, 32);
  const s = bytesToNumberLE(signature.subarray(32));
  if (s >= ED25519_L) return false;
  const A = ed25519.Point.fromBytes(publicKey);
  const k = ed25519.Point.Fn.create(bytesToNumberLE(sha512(concatBytes(r, publicKey, message))));
  const expectedR = ed25519.Point.BASE.multiplyUnsafe(s).subtract(A.multiplyUnsafe(k));
  return equalBytes(expectedR.toBytes(), r);
}

function ecdsaSuite(curve: typeof p256 | typeof secp256k1, alg: JwsAlgorithm, multicodec: number[]): Suite {
  return {
    alg,
    multicodec: new Uint8Array(multicodec),
    secretLength: 32,
    publicLength: 33,
    randomSecret: () => curve.utils.randomSecretKey(),
    // Native on Node (a CLI run loads one key: @noble's first multiplication builds its
    // precomputed tables, tens of milliseconds); secp256k1 stays on noble everywhere.
    publicFromSecret: curve === p256 ? (secret) => publicKeyFromSecret('P-256', secret) : (secret) => curve.getPublicKey(secret, true),
    sign: (message, secret) => curve.sign(message, secret, { prehash: true, lowS: true }),
    nobleVerify: (signature, message, publicKey) =>
      curve.verify(signature, message, publicKey, { prehash: true, lowS: alg === 'ES256K' }),
    validatePublic: (bytes) => {
      curve.Point.fromBytes(bytes).assertValidity();
    },
    uncompressed: (bytes) => curve.Point.fromBytes(bytes).toBytes(false),
    compress: (bytes) => curve.Point.fromBytes(bytes).toBytes(true),
  };
}

const SUITES: Record<KeyType, Suite> = {
  Ed25519: {
    alg: 'EdDSA',
    multicodec: new Uint8Array([0xed, 0x01]),
    secretLength: 32,
    publicLength: 32,
    randomSecret: () => ed25519.utils.randomSecretKey(),
    publicFromSecret: (secret) => publicKeyFromSecret('Ed25519', secret),
    sign: (message, secret) => ed25519.sign(message, secret),
    nobleVerify: ed25519VerifyCofactorless,
    validatePublic: (bytes) => {
      // Strict RFC 8032 decoding (canonical y). Honest keys are in the prime-order subgroup;
      // small-order keys let their owner make one signature verify for many messages, and
      // mixed-order keys make OpenSSL versions disagree (Node 20 and 24 differ), so both are
      // refused and every runtime gives the same answer.
      const point = ed25519.Point.fromBytes(bytes);
      if (point.isSmallOrder() || !point.isTorsionFree()) throw new Error('point outside the prime-order subgroup');
    },
    uncompressed: (bytes) => bytes,
    compress: (bytes) => bytes,
  },
  'P-256': ecdsaSuite(p256, 'ES256', [0x80, 0x24]),
  secp256k1: ecdsaSuite(secp256k1, 'ES256K', [0xe7, 0x01]),
};

const ALG_TO_TYPE: Record<JwsAlgorithm, KeyType> = { EdDSA: 'Ed25519', ES256: 'P-256', ES256K: 'secp256k1' };

/**
 * Key type for a JWS algorithm; anything outside the allow-list (including `none`) is
 * `unsupported_algorithm`.
 *
 * @example
 * ```ts
 * keyTypeForAlgorithm('ES256'); // 'P-256'
 * ```
 */
export function keyTypeForAlgorithm(alg: unknown): KeyType {
  if (typeof alg === 'string' && Object.hasOwn(ALG_TO_TYPE, alg)) return ALG_TO_TYPE[alg as JwsAlgorithm];
  throw new UnsupportedAlgorithmError(`algorithm ${describe(alg)} is not allowed`);
}

function assertKeyType(type: unknown): asserts type is KeyType {
  if (typeof type !== 'string' || !Object.hasOwn(SUITES, type)) {
    throw new TypeError(`key type must be one of ${KEY_TYPES.join(', ')}`);
  }
}

/** Node's `util.inspect` hook, by its registered symbol (no import of node:util). */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * The public key a secret derives, without the point checks of `fromBytes`: [a]B (Ed25519)
 * or [d]G (EC), compressed, is a valid prime-order point by construction, and a CLI run
 * would pay those checks' cold @noble start for nothing.
 */
let derivedPublicKey: (type: KeyType, bytes: Uint8Array) => PublicKey;

/**
 * A public key. On Node, {@link PublicKey.verify} uses node:crypto and falls back to
 * @noble/curves where the runtime lacks the curve; elsewhere (browsers, Deno, Bun, workerd)
 * the synchronous `verify` can only use @noble/curves, about ten times slower, and
 * {@link PublicKey.verifyAsync} uses WebCrypto (Ed25519, P-256) at native speed. Both
 * accept exactly the same signatures. EC keys are held compressed.
 *
 * @example
 * ```ts
 * const ok = keyPair.publicKey.verify(signature, message);
 * ```
 */
export class PublicKey {
  readonly type: KeyType;
  /** Raw public key: 32 bytes (Ed25519) or 33 compressed bytes (EC). */
  readonly bytes: Uint8Array;
  #native: SyncVerify | null | undefined;
  #web: AsyncVerify | null | undefined;

  private constructor(type: KeyType, bytes: Uint8Array) {
    this.type = type;
    this.bytes = bytes;
  }

  static {
    derivedPublicKey = (type, bytes) => new PublicKey(type, Uint8Array.from(bytes));
  }

  /**
   * Builds a key from raw bytes (EC keys compressed or uncompressed). Invalid points are
   * `malformed_input`.
   * @example
   * ```ts
   * PublicKey.fromBytes('Ed25519', raw32);
   * ```
   */
  static fromBytes(type: KeyType, bytes: Uint8Array): PublicKey {
    assertKeyType(type);
    abytes(bytes, undefined, 'publicKey');
    const suite = SUITES[type];
    try {
      suite.validatePublic(bytes);
      const compressed = suite.compress(bytes);
      if (compressed.length !== suite.publicLength) throw new Error('length');
      return new PublicKey(type, Uint8Array.from(compressed));
    } catch (cause) {
      throw new MalformedInputError(`public key is not a valid ${type} point`, { cause, check: 'public_key' });
    }
  }

  /**
   * Parses an untrusted public JWK. Private members are refused so a secret is never
   * accepted where a public key is expected.
   * @example
   * ```ts
   * PublicKey.fromJwk({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' });
   * ```
   */
  static fromJwk(jwk: unknown): PublicKey {
    if (!isRecord(jwk)) throw new MalformedInputError('JWK is not an object', { check: 'public_key' });
    if ('d' in jwk) throw new MalformedInputError('public JWK must not contain a private member', { check: 'public_key' });
    const { kty, crv, x, y } = jwk;
    if (kty === 'OKP' && crv === 'Ed25519') {
      if (typeof x !== 'string') throw new MalformedInputError('Ed25519 JWK needs a string "x"', { check: 'public_key' });
      return PublicKey.fromBytes('Ed25519', base64urlDecode(x, 'JWK x'));
    }
    if (kty === 'EC' && (crv === 'P-256' || crv === 'secp256k1')) {
      if (typeof x !== 'string' || typeof y !== 'string') throw new MalformedInputError(`${crv} JWK needs string "x" and "y"`, { check: 'public_key' });
      const xb = base64urlDecode(x, 'JWK x');
      const yb = base64urlDecode(y, 'JWK y');
      if (xb.length !== 32 || yb.length !== 32) throw new MalformedInputError('JWK coordinates must be 32 bytes', { check: 'public_key' });
      return PublicKey.fromBytes(crv, concatBytes(new Uint8Array([4]), xb, yb));
    }
    throw new UnsupportedAlgorithmError(`JWK kty/crv ${describe(kty)}/${describe(crv)} is not supported`, { check: 'key_type' });
  }

  /**
   * Parses a multicodec-prefixed key (`0xed01` Ed25519, `0x8024` P-256, `0xe701` secp256k1).
   * @example
   * ```ts
   * PublicKey.fromMulticodec(bytes);
   * ```
   */
  static fromMulticodec(bytes: Uint8Array): PublicKey {
    abytes(bytes, undefined, 'multicodec key');
    for (const type of KEY_TYPES) {
      const prefix = SUITES[type].multicodec;
      if (bytes.length > prefix.length && equalBytes(bytes.subarray(0, prefix.length), prefix)) {
        return PublicKey.fromBytes(type, bytes.subarray(prefix.length));
      }
    }
    throw new UnsupportedAlgorithmError('multicodec key type is not supported', { check: 'key_type' });
  }

  /**
   * Parses a multibase (base58btc) multicodec key, as in did:key and `publicKeyMultibase`.
   * @example
   * ```ts
   * PublicKey.fromMultibase('z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK');
   * ```
   */
  static fromMultibase(text: string): PublicKey {
    return PublicKey.fromMulticodec(multibaseDecode(text, 'multibase key'));
  }

  /** The JWS algorithm this key verifies. */
  get algorithm(): JwsAlgorithm {
    return SUITES[this.type].alg;
  }

  /**
   * Public JWK.
   * @example
   * ```ts
   * const jwk = key.toJwk();
   * ```
   */
  toJwk(): PublicJwk {
    if (this.type === 'Ed25519') return { kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(this.bytes) };
    const full = SUITES[this.type].uncompressed(this.bytes);
    return { kty: 'EC', crv: this.type, x: base64urlEncode(full.subarray(1, 33)), y: base64urlEncode(full.subarray(33, 65)) };
  }

  /**
   * Multicodec-prefixed bytes.
   * @example
   * ```ts
   * key.toMulticodec();
   * ```
   */
  toMulticodec(): Uint8Array {
    return concatBytes(SUITES[this.type].multicodec, this.bytes);
  }

  /**
   * Multibase base58btc of the multicodec bytes (`z6Mk…`, `zDn…`, `zQ3s…`).
   * @example
   * ```ts
   * `did:key:${key.toMultibase()}`;
   * ```
   */
  toMultibase(): string {
    return multibaseEncode(this.toMulticodec());
  }

  /**
   * Verifies a JWS-format signature (raw Ed25519, or ECDSA `r||s` over SHA-256).
   * Returns false for any signature that does not verify, including wrong lengths and
   * high-S secp256k1 signatures. Synchronous: native (node:crypto) on Node; on other
   * runtimes @noble/curves, about ten times slower than WebCrypto there, so verifiers
   * that can wait use {@link PublicKey.verifyAsync}.
   * @example
   * ```ts
   * if (!key.verify(sig, data)) throw new InvalidSignatureError('bad signature');
   * ```
   */
  verify(signature: Uint8Array, message: Uint8Array): boolean {
    if (!this.#precheck(signature, message)) return false;
    if (this.#native === undefined) this.#native = syncVerifier(this.toJwk(), this.algorithm);
    if (this.#native) return this.#native(signature, message);
    return this.verifyPortable(signature, message);
  }

  /**
   * {@link PublicKey.verify}, at native speed on every runtime: node:crypto on Node,
   * WebCrypto elsewhere (Ed25519 and P-256; secp256k1, which WebCrypto lacks, and a runtime
   * whose WebCrypto lacks Ed25519 use @noble/curves). Same answers as `verify`.
   * @example
   * ```ts
   * if (!(await key.verifyAsync(sig, data))) throw new InvalidSignatureError('bad signature');
   * ```
   */
  async verifyAsync(signature: Uint8Array, message: Uint8Array): Promise<boolean> {
    if (!this.#precheck(signature, message)) return false;
    if (this.#native === undefined) this.#native = syncVerifier(this.toJwk(), this.algorithm);
    if (this.#native) return this.#native(signature, message);
    if (this.#web === undefined) this.#web = this.type === 'secp256k1' ? null : asyncVerifier(this.toJwk(), this.algorithm);
    if (this.#web) {
      if (this.type === 'Ed25519' && bytesToNumberLE(signature.subarray(32)) >= ED25519_L) return false;
      const result = await this.#web(signature, message);
      if (result !== undefined) return result;
      this.#web = null; // this runtime's WebCrypto lacks the curve
    }
    return this.verifyPortable(signature, message);
  }

  #precheck(signature: Uint8Array, message: Uint8Array): boolean {
    abytes(signature, undefined, 'signature');
    abytes(message, undefined, 'message');
    if (signature.length !== 64) return false;
    return this.type !== 'secp256k1' || bytesToNumberBE(signature.subarray(32)) <= SECP256K1_HALF_N;
  }

  /**
   * Verifies with the pure-JS path (@noble/curves) only; for benchmarks and cross-checks.
   * @example
   * ```ts
   * key.verifyPortable(sig, data);
   * ```
   */
  verifyPortable(signature: Uint8Array, message: Uint8Array): boolean {
    try {
      return SUITES[this.type].nobleVerify(signature, message, this.bytes);
    } catch {
      return false;
    }
  }

  /**
   * Same key type and bytes.
   * @example
   * ```ts
   * a.equals(b);
   * ```
   */
  equals(other: PublicKey): boolean {
    return other instanceof PublicKey && other.type === this.type && equalBytes(other.bytes, this.bytes);
  }

  toJSON(): PublicJwk {
    return this.toJwk();
  }

  toString(): string {
    return `PublicKey(${this.type}, ${this.toMultibase()})`;
  }
}

/**
 * A key pair whose secret never appears in `toString`, `JSON.stringify` or `util.inspect`.
 * Export the secret only on purpose with {@link KeyPair.exportPrivateJwk}.
 *
 * @example
 * ```ts
 * const kp = KeyPair.generate('Ed25519');
 * const sig = kp.sign(new TextEncoder().encode('hello'));
 * kp.publicKey.verify(sig, new TextEncoder().encode('hello')); // true
 * ```
 */
export class KeyPair {
  readonly publicKey: PublicKey;
  #secret: Uint8Array;
  #native: SyncSign | null | undefined;
  #web: AsyncSign | null | undefined;

  private constructor(type: KeyType, secret: Uint8Array) {
    const suite = SUITES[type];
    this.#secret = Uint8Array.from(secret);
    const derived = suite.publicFromSecret(this.#secret);
    if (derived.length !== suite.publicLength) throw new Error('derived public key length');
    this.publicKey = derivedPublicKey(type, derived);
  }

  /**
   * A fresh random key pair (Ed25519 by default).
   * @example
   * ```ts
   * const kp = KeyPair.generate('P-256');
   * ```
   */
  static generate(type: KeyType = 'Ed25519'): KeyPair {
    assertKeyType(type);
    return new KeyPair(type, SUITES[type].randomSecret());
  }

  /**
   * From a raw 32-byte secret key (an Ed25519 seed or an EC scalar).
   * @example
   * ```ts
   * KeyPair.fromSecretKey('Ed25519', seed);
   * ```
   */
  static fromSecretKey(type: KeyType, secret: Uint8Array): KeyPair {
    assertKeyType(type);
    abytes(secret, SUITES[type].secretLength, 'secretKey');
    try {
      return new KeyPair(type, secret);
    } catch (cause) {
      throw new MalformedInputError(`secret key is not a valid ${type} key`, { cause, check: 'secret_key' });
    }
  }

  /**
   * From a private JWK; the public members, when present, must match the secret.
   * @example
   * ```ts
   * KeyPair.fromJwk(JSON.parse(await readFile('agent.jwk', 'utf8')));
   * ```
   */
  static fromJwk(jwk: unknown): KeyPair {
    if (!isRecord(jwk) || typeof jwk.d !== 'string') {
      throw new MalformedInputError('private JWK must be an object with "d"', { check: 'secret_key' });
    }
    const { d, kid: _kid, ...pub } = jwk;
    const claimed = PublicKey.fromJwk(pub);
    const secret = base64urlDecode(d, 'JWK d');
    if (secret.length !== SUITES[claimed.type].secretLength) {
      throw new MalformedInputError(`JWK d must be ${SUITES[claimed.type].secretLength} bytes`, { check: 'secret_key' });
    }
    const kp = KeyPair.fromSecretKey(claimed.type, secret);
    if (!kp.publicKey.equals(claimed)) throw new KeyMismatchError('private JWK public members do not match its secret', { check: 'secret_key' });
    return kp;
  }

  get type(): KeyType {
    return this.publicKey.type;
  }

  get algorithm(): JwsAlgorithm {
    return this.publicKey.algorithm;
  }

  /**
   * Signs in JWS format: raw Ed25519, or low-S ECDSA `r||s` over SHA-256. Synchronous:
   * native on Node; on other runtimes @noble/curves (slower than WebCrypto there, see
   * {@link KeyPair.signAsync}).
   * @example
   * ```ts
   * const sig = kp.sign(bytes);
   * ```
   */
  sign(message: Uint8Array): Uint8Array {
    abytes(message, undefined, 'message');
    const native = this.#nativeSigner();
    if (native) return native(message);
    return SUITES[this.type].sign(message, this.#secret);
  }

  /**
   * {@link KeyPair.sign} at native speed on every runtime: node:crypto on Node, WebCrypto
   * elsewhere (Ed25519, byte for byte the same signature; P-256), @noble/curves for
   * secp256k1.
   * @example
   * ```ts
   * const sig = await kp.signAsync(bytes);
   * ```
   */
  async signAsync(message: Uint8Array): Promise<Uint8Array> {
    abytes(message, undefined, 'message');
    const native = this.#nativeSigner();
    if (native) return native(message);
    // secp256k1 stays on noble: WebCrypto lacks it.
    if (this.#web === undefined) this.#web = this.type === 'secp256k1' ? null : asyncSigner(this.exportPrivateJwk(), this.algorithm as 'EdDSA' | 'ES256');
    if (this.#web) {
      const signature = await this.#web(message);
      if (signature !== undefined) return signature;
      this.#web = null;
    }
    return SUITES[this.type].sign(message, this.#secret);
  }

  // Ed25519 is deterministic, so node:crypto signs byte-for-byte as @noble/curves does, ~15x
  // faster; P-256 signs natively too. secp256k1 stays on noble: OpenSSL may emit high-S
  // signatures, which verifiers (ours included) refuse.
  #nativeSigner(): SyncSign | null {
    if (this.#native === undefined) {
      this.#native = this.type === 'secp256k1' ? null : syncSigner(this.exportPrivateJwk(), this.algorithm as 'EdDSA' | 'ES256');
    }
    return this.#native;
  }

  /**
   * The private JWK (contains the secret: store it with owner-only permissions).
   * @example
   * ```ts
   * await writeFile('agent.jwk', JSON.stringify(kp.exportPrivateJwk()), { mode: 0o600 });
   * ```
   */
  exportPrivateJwk(): PrivateJwk {
    return { ...this.publicKey.toJwk(), d: base64urlEncode(this.#secret) };
  }

  /**
   * A copy of the raw secret key bytes.
   * @example
   * ```ts
   * const secret = kp.exportSecretKey();
   * ```
   */
  exportSecretKey(): Uint8Array {
    return Uint8Array.from(this.#secret);
  }

  /** Public part only. */
  toJSON(): { type: KeyType; publicKey: PublicJwk } {
    return { type: this.type, publicKey: this.publicKey.toJwk() };
  }

  toString(): string {
    return `KeyPair(${this.type}, ${this.publicKey.toMultibase()}, secret redacted)`;
  }

  [INSPECT](): string {
    return this.toString();
  }
}

/**
 * Verifies a JWS signature for a declared algorithm: the algorithm must be allowed
 * (`unsupported_algorithm`) and match the key type (`key_mismatch`). Returns whether the
 * signature verifies.
 *
 * @example
 * ```ts
 * if (!verifySignature('EdDSA', key, sig, data)) throw new InvalidSignatureError('bad');
 * ```
 */
export function verifySignature(alg: unknown, publicKey: PublicKey, signature: Uint8Array, message: Uint8Array): boolean {
  const type = keyTypeForAlgorithm(alg);
  if (publicKey.type !== type) {
    throw new KeyMismatchError(`algorithm ${describe(alg)} needs a ${type} key, got ${publicKey.type}`);
  }
  return publicKey.verify(signature, message);
}

/**
 * {@link verifySignature} at native speed on every runtime ({@link PublicKey.verifyAsync}).
 *
 * @example
 * ```ts
 * if (!(await verifySignatureAsync('EdDSA', key, sig, data))) throw new InvalidSignatureError('bad');
 * ```
 */
export async function verifySignatureAsync(alg: unknown, publicKey: PublicKey, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
  const type = keyTypeForAlgorithm(alg);
  if (publicKey.type !== type) {
    throw new KeyMismatchError(`algorithm ${describe(alg)} needs a ${type} key, got ${publicKey.type}`);
  }
  return publicKey.verifyAsync(signature, message);
}
