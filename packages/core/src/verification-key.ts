import { type AsyncVerify, PLATFORM, type SyncVerify, asyncVerifier, sha256, syncVerifier } from '#platform';
import { p384, p521 } from '@noble/curves/nist.js';
import { base64urlDecode, base64urlEncode } from './base64url.js';
import { concatBytes, utf8ToBytes } from './bytes.js';
import { KeyMismatchError, MalformedInputError, UnsupportedAlgorithmError } from './errors.js';
import { isRecord } from './json.js';
import { type JwsAlgorithm, PublicKey } from './keys.js';

/**
 * JWS algorithms a verifier accepts from keys it chose itself (a pinned JWK, a JWKS it
 * named): the signing set plus RSA and the larger NIST curves, which other
 * implementations sign with. `none`, HMAC and RSA below 2048 bits are never accepted.
 */
export type JwsVerifyAlgorithm = JwsAlgorithm | 'RS256' | 'PS256' | 'ES384' | 'ES512';

/**
 * Every algorithm {@link VerificationKey} verifies, each tied to one key type.
 * @example
 * ```ts
 * JWS_VERIFY_ALGORITHMS.includes(header.alg); // 'RS256' yes, 'HS256' and 'none' never
 * ```
 */
export const JWS_VERIFY_ALGORITHMS: readonly JwsVerifyAlgorithm[] = ['EdDSA', 'ES256', 'ES256K', 'RS256', 'PS256', 'ES384', 'ES512'];

/** A public JWK of a type {@link VerificationKey} verifies. */
export type VerificationJwk =
  | { kty: 'OKP'; crv: 'Ed25519'; x: string }
  | { kty: 'EC'; crv: 'P-256' | 'secp256k1' | 'P-384' | 'P-521'; x: string; y: string }
  | { kty: 'RSA'; n: string; e: string };

/** Limits for {@link VerificationKey.fromJwk}. */
export interface VerificationKeyOptions {
  /** Smallest RSA modulus accepted, bits. Default (and lowest allowed) 2048. */
  minRsaBits?: number;
}

const MAX_RSA_BITS = 8192;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const BIG_CURVES = { 'P-384': { alg: 'ES384', size: 48, curve: p384 }, 'P-521': { alg: 'ES512', size: 66, curve: p521 } } as const;

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 32)) : value === null ? 'null' : typeof value;
}

function bad(message: string): never {
  throw new MalformedInputError(message, { check: 'public_key' });
}

/**
 * A public key for verifying JWS signatures, read from an untrusted JWK: Ed25519, P-256
 * and secp256k1 (through {@link PublicKey}, with its strict point checks), P-384, P-521 and
 * RSA of 2048 to 8192 bits (node:crypto). Each key verifies only the algorithms of its
 * type (RSA: RS256 and PS256; P-384: ES384; P-521: ES512) and, when the JWK names an
 * `alg`, only that one; a JWK whose `use` is not `sig` or whose `key_ops` lacks `verify`
 * is refused, and so is any private member. For verifiers only: agent-id signs with
 * {@link KeyPair}.
 *
 * @example
 * ```ts
 * const key = VerificationKey.fromJwk({ kty: 'EC', crv: 'P-384', x, y, kid: 'key-1' });
 * key.verify('ES384', signature, signingInput); // boolean; 'RS256' would be key_mismatch
 * ```
 */
export class VerificationKey {
  /** `kid` of the JWK, if it had one. */
  readonly kid: string | undefined;
  /** Algorithms this key verifies. */
  readonly algorithms: readonly JwsVerifyAlgorithm[];
  /** The public JWK (required members only, plus `kid`). */
  readonly jwk: Readonly<VerificationJwk>;
  readonly #core: PublicKey | undefined;
  readonly #signatureLength: number;
  #native = new Map<JwsVerifyAlgorithm, SyncVerify | null>();
  #web = new Map<JwsVerifyAlgorithm, AsyncVerify | null>();
  #thumbprint: string | undefined;

  private constructor(jwk: VerificationJwk, kid: string | undefined, algorithms: JwsVerifyAlgorithm[], core?: PublicKey, signatureLength = 0) {
    this.jwk = Object.freeze(jwk);
    this.kid = kid;
    this.algorithms = Object.freeze(algorithms);
    this.#core = core;
    this.#signatureLength = signatureLength;
  }

  /**
   * Reads an untrusted public JWK. Malformed members are `malformed_input` (check
   * `public_key`); a key type or `alg` outside {@link JWS_VERIFY_ALGORITHMS} (`oct`
   * included) is `unsupported_algorithm`; RSA under `minRsaBits` or above 8192 bits is
   * `unsupported_algorithm` (check `key_size`).
   *
   * @example
   * ```ts
   * const key = VerificationKey.fromJwk(JSON.parse(await readFile('partner.jwk', 'utf8')));
   * ```
   */
  static fromJwk(jwk: unknown, options: VerificationKeyOptions = {}): VerificationKey {
    if (!isRecord(jwk)) bad('JWK is not an object');
    const minRsaBits = options.minRsaBits ?? 2048;
    if (!Number.isSafeInteger(minRsaBits) || minRsaBits < 2048) throw new MalformedInputError('minRsaBits must be an integer >= 2048', { check: 'options' });
    if (PRIVATE_MEMBERS.some((m) => m in jwk)) bad('public JWK must not contain a private member');
    const { kty, crv, alg, use, key_ops: keyOps, kid } = jwk;
    if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0 || kid.length > 2048)) bad('JWK "kid" must be a non-empty string');
    if (use !== undefined && use !== 'sig') bad(`JWK "use" is ${describe(use)}, not "sig"`);
    if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.includes('verify'))) bad('JWK "key_ops" does not allow "verify"');
    let key: VerificationKey;
    if (kty === 'OKP' || (kty === 'EC' && (crv === 'P-256' || crv === 'secp256k1'))) {
      const core = PublicKey.fromJwk({ kty, crv, x: jwk.x, y: jwk.y });
      key = new VerificationKey(core.toJwk() as VerificationJwk, kid, [core.algorithm], core);
    } else if (kty === 'EC' && (crv === 'P-384' || crv === 'P-521')) {
      const { x, y } = jwk;
      const { size, alg: curveAlg } = BIG_CURVES[crv];
      if (typeof x !== 'string' || typeof y !== 'string') bad(`${crv} JWK needs string "x" and "y"`);
      if (base64urlDecode(x, 'JWK x').length !== size || base64urlDecode(y, 'JWK y').length !== size) bad(`${crv} JWK coordinates must be ${size} bytes`);
      try {
        BIG_CURVES[crv].curve.Point.fromBytes(concatBytes(new Uint8Array([4]), base64urlDecode(x), base64urlDecode(y))).assertValidity();
      } catch (cause) {
        throw new MalformedInputError(`JWK is not a valid ${crv} point`, { cause, check: 'public_key' });
      }
      key = new VerificationKey({ kty, crv, x, y }, kid, [curveAlg], undefined, size * 2);
    } else if (kty === 'RSA') {
      const { n, e } = jwk;
      if (typeof n !== 'string' || typeof e !== 'string') bad('RSA JWK needs string "n" and "e"');
      const nb = base64urlDecode(n, 'JWK n');
      const eb = base64urlDecode(e, 'JWK e');
      if (nb.length === 0 || nb[0] === 0) bad('RSA JWK "n" must be minimal big-endian');
      // A small odd exponent keeps verification cheap: a huge one would let a key make every verify slow.
      if (eb.length === 0 || eb.length > 4 || eb[0] === 0 || (eb[eb.length - 1]! & 1) === 0 || (eb.length === 1 && eb[0]! < 3)) bad('RSA JWK "e" must be a small odd exponent');
      const bits = nb.length * 8 - Math.clz32(nb[0]!) + 24;
      if (bits < minRsaBits || bits > MAX_RSA_BITS) {
        throw new UnsupportedAlgorithmError(`RSA key of ${bits} bits is outside ${minRsaBits}..${MAX_RSA_BITS}`, { check: 'key_size' });
      }
      key = new VerificationKey({ kty, n, e }, kid, ['RS256', 'PS256'], undefined, nb.length);
      // Node checks the whole key on import; elsewhere WebCrypto does so on first use.
      if (PLATFORM === 'node' && key.#nativeFor('RS256') === null) throw new MalformedInputError('JWK is not a valid RSA public key', { check: 'public_key' });
    } else {
      throw new UnsupportedAlgorithmError(`JWK kty/crv ${describe(kty)}/${describe(crv)} is not supported`, { check: 'key_type' });
    }
    if (alg === undefined) return key;
    if (typeof alg !== 'string' || !(JWS_VERIFY_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new UnsupportedAlgorithmError(`JWK "alg" ${describe(alg)} is not allowed`);
    }
    if (!key.algorithms.includes(alg as JwsVerifyAlgorithm)) throw new KeyMismatchError(`JWK "alg" ${alg} does not fit its key type`, { check: 'public_key' });
    return new VerificationKey(key.jwk as VerificationJwk, kid, [alg as JwsVerifyAlgorithm], key.#core, key.#signatureLength);
  }

  /**
   * Wraps a key agent-id already holds (a DID document's key).
   * @example
   * ```ts
   * VerificationKey.fromPublicKey(keyPair.publicKey).verify('EdDSA', sig, data);
   * ```
   */
  static fromPublicKey(publicKey: PublicKey, kid?: string): VerificationKey {
    if (!(publicKey instanceof PublicKey)) throw new MalformedInputError('publicKey must be a PublicKey', { check: 'public_key' });
    return new VerificationKey(publicKey.toJwk() as VerificationJwk, kid, [publicKey.algorithm], publicKey);
  }

  /**
   * RFC 7638 JWK thumbprint (SHA-256, base64url): one name per key, whatever its `kid`.
   * @example
   * ```ts
   * key.thumbprint(); // 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
   * ```
   */
  thumbprint(): string {
    if (this.#thumbprint !== undefined) return this.#thumbprint;
    const j = this.jwk as Record<string, string>;
    const members = j.kty === 'RSA' ? ['e', 'kty', 'n'] : j.kty === 'OKP' ? ['crv', 'kty', 'x'] : ['crv', 'kty', 'x', 'y'];
    const text = `{${members.map((m) => `${JSON.stringify(m)}:${JSON.stringify(j[m])}`).join(',')}}`;
    this.#thumbprint = base64urlEncode(sha256(utf8ToBytes(text)));
    return this.#thumbprint;
  }

  /**
   * Verifies a JWS signature made with `alg`: an algorithm outside the allow-list is
   * `unsupported_algorithm`, one this key does not verify `key_mismatch` (an RSA key under
   * an EdDSA header, an ES384 header on a P-256 key, …). Returns whether it verifies.
   * Synchronous: native on Node. Off Node, EC keys verify with @noble/curves (about ten
   * times slower than WebCrypto) and RSA cannot be verified synchronously at all
   * (`unsupported_algorithm`, check `runtime`): verifiers that can wait use
   * {@link VerificationKey.verifyAsync}.
   *
   * @example
   * ```ts
   * if (!key.verify(header.alg, signature, signingInput)) throw new InvalidSignatureError('bad');
   * ```
   */
  verify(alg: unknown, signature: Uint8Array, message: Uint8Array): boolean {
    const checked = this.#check(alg, signature, message);
    if (checked !== undefined) return checked;
    if (this.#core) return this.#core.verify(signature, message);
    const a = alg as JwsVerifyAlgorithm;
    const native = this.#nativeFor(a);
    if (native) return native(signature, message);
    if (this.jwk.kty === 'EC') return this.#noble(signature, message);
    throw new UnsupportedAlgorithmError(`${a} cannot be verified synchronously on this runtime: use verifyAsync`, { check: 'runtime' });
  }

  /**
   * {@link VerificationKey.verify} at native speed on every runtime: node:crypto on Node,
   * WebCrypto elsewhere (and @noble/curves where WebCrypto lacks a curve). The same
   * refusals and answers as `verify`, RSA included.
   *
   * @example
   * ```ts
   * if (!(await key.verifyAsync(header.alg, signature, signingInput))) throw new InvalidSignatureError('bad');
   * ```
   */
  async verifyAsync(alg: unknown, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
    const checked = this.#check(alg, signature, message);
    if (checked !== undefined) return checked;
    if (this.#core) return this.#core.verifyAsync(signature, message);
    const a = alg as JwsVerifyAlgorithm;
    const native = this.#nativeFor(a);
    if (native) return native(signature, message);
    if (!this.#web.has(a)) this.#web.set(a, asyncVerifier(this.jwk, a));
    const web = this.#web.get(a);
    if (web) {
      const result = await web(signature, message);
      if (result !== undefined) return result;
      this.#web.set(a, null);
    }
    if (this.jwk.kty === 'EC') return this.#noble(signature, message);
    throw new UnsupportedAlgorithmError(`this runtime cannot verify ${a}`, { check: 'runtime' });
  }

  /** The allow-list and key checks; a boolean when the answer is known without verifying. */
  #check(alg: unknown, signature: Uint8Array, message: Uint8Array): boolean | undefined {
    if (typeof alg !== 'string' || !(JWS_VERIFY_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new UnsupportedAlgorithmError(`algorithm ${describe(alg)} is not allowed`);
    }
    if (!this.algorithms.includes(alg as JwsVerifyAlgorithm)) {
      throw new KeyMismatchError(`algorithm ${alg} does not fit this ${this.jwk.kty}${'crv' in this.jwk ? ` ${this.jwk.crv}` : ''} key (it verifies ${this.algorithms.join(', ')})`);
    }
    if (!(signature instanceof Uint8Array) || !(message instanceof Uint8Array)) return false;
    if (!this.#core && signature.length !== this.#signatureLength) return false;
    return undefined;
  }

  #nativeFor(alg: JwsVerifyAlgorithm): SyncVerify | null {
    if (!this.#native.has(alg)) {
      let native: SyncVerify | null = null;
      try {
        native = syncVerifier(this.jwk, alg);
      } catch {
        native = null;
      }
      this.#native.set(alg, native);
    }
    return this.#native.get(alg) ?? null;
  }

  #noble(signature: Uint8Array, message: Uint8Array): boolean {
    const jwk = this.jwk as { crv: 'P-384' | 'P-521'; x: string; y: string };
    const { curve } = BIG_CURVES[jwk.crv];
    try {
      const point = concatBytes(new Uint8Array([4]), base64urlDecode(jwk.x), base64urlDecode(jwk.y));
      return curve.verify(signature, message, point, { prehash: true, lowS: false, format: 'compact' });
    } catch {
      return false;
    }
  }

  toJSON(): Readonly<VerificationJwk> {
    return this.jwk;
  }

  toString(): string {
    return `VerificationKey(${this.algorithms.join('/')}, ${this.thumbprint()})`;
  }
}
