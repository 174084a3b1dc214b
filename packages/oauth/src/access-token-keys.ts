import { type KeyObject, constants, createPrivateKey, createPublicKey, generateKeyPair as generateNodeKeyPair, sign } from 'node:crypto';
import { promisify } from 'node:util';
import { type Clock, readClock } from '@agent-id/core';
import { type JWK, calculateJwkThumbprint } from 'jose';

/** Algorithms the service signs access tokens with. */
export type AccessTokenAlgorithm = 'ES256' | 'EdDSA' | 'RS256' | 'PS256';

/** One signing key as it is published in the JWKS. */
export interface PublishedKey extends JWK {
  kid: string;
  alg: AccessTokenAlgorithm;
  use: 'sig';
}

interface Entry {
  kid: string;
  alg: AccessTokenAlgorithm;
  /** The private key, a node:crypto key object: it signs without WebCrypto's per-call overhead. */
  signer: KeyObject;
  publicJwk: PublishedKey;
  /** When it stops being published, ms (undefined while current). */
  retireAtMs?: number;
  /** The encoded protected header by `typ`: one string per key and type. */
  headers: Map<string, string>;
}

const ALGORITHMS: readonly AccessTokenAlgorithm[] = ['ES256', 'EdDSA', 'RS256', 'PS256'];
const generateAsync = promisify(generateNodeKeyPair);

function generate(alg: AccessTokenAlgorithm): Promise<{ privateKey: KeyObject }> {
  if (alg === 'EdDSA') return generateAsync('ed25519');
  if (alg === 'ES256') return generateAsync('ec', { namedCurve: 'P-256' });
  return generateAsync('rsa', { modulusLength: 2048 });
}

function fitsAlgorithm(key: KeyObject, alg: AccessTokenAlgorithm): boolean {
  if (key.type !== 'private') return false;
  if (alg === 'EdDSA') return key.asymmetricKeyType === 'ed25519';
  if (alg === 'ES256') return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
}

/** Options of {@link AccessTokenKeys}. */
export interface AccessTokenKeysOptions {
  /** How long after a rotation the old key stays published: at least the longest access token lifetime. Seconds, default 3600. */
  overlapSec?: number;
  clock?: Clock;
}

/**
 * The keys a token service signs RFC 9068 access tokens with, and the JWKS it publishes.
 * Rotating makes a new key current and keeps the old one published for `overlapSec`, so
 * tokens it signed stay verifiable until they expire; then it is dropped. Private keys are
 * node:crypto key objects held in private fields: they never leave this object.
 *
 * @example
 * ```ts
 * const keys = await AccessTokenKeys.generate({ overlapSec: 900 });
 * await keys.rotate();
 * const jwks = keys.jwks(); // { keys: [new, old] }
 * ```
 */
export class AccessTokenKeys {
  readonly #entries: Entry[] = [];
  readonly #overlapMs: number;
  readonly #clock: Clock | undefined;

  private constructor(options: AccessTokenKeysOptions) {
    const overlap = options.overlapSec ?? 3600;
    if (!Number.isSafeInteger(overlap) || overlap < 0) throw new TypeError('overlapSec must be a whole number of seconds');
    this.#overlapMs = overlap * 1000;
    this.#clock = options.clock;
  }

  /**
   * A key ring with a freshly generated current key (default ES256).
   * @example
   * ```ts
   * const keys = await AccessTokenKeys.generate();
   * ```
   */
  static async generate(options: AccessTokenKeysOptions & { alg?: AccessTokenAlgorithm } = {}): Promise<AccessTokenKeys> {
    const ring = new AccessTokenKeys(options);
    await ring.rotate(options.alg);
    return ring;
  }

  /**
   * A key ring whose current key is an existing private JWK (with `alg`), e.g. read from a file.
   * @example
   * ```ts
   * const keys = await AccessTokenKeys.fromPrivateJwk(JSON.parse(await readFile('signing.jwk', 'utf8')));
   * ```
   */
  static async fromPrivateJwk(jwk: JWK, options: AccessTokenKeysOptions = {}): Promise<AccessTokenKeys> {
    const ring = new AccessTokenKeys(options);
    const alg = jwk.alg as AccessTokenAlgorithm;
    if (!ALGORITHMS.includes(alg) || typeof jwk.d !== 'string') throw new TypeError('the key must be a private JWK with alg ES256, EdDSA, RS256 or PS256');
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    } catch (cause) {
      throw new TypeError('the key is not a valid private JWK', { cause });
    }
    if (!fitsAlgorithm(privateKey, alg)) throw new TypeError(`the key's type does not fit alg ${alg}`);
    await ring.#add(alg, privateKey);
    return ring;
  }

  async #add(alg: AccessTokenAlgorithm, privateKey: KeyObject): Promise<void> {
    // The public members only, whatever the private JWK carried beside them.
    const { kty, crv, x, y, n, e } = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
    const pub: JWK = Object.fromEntries(Object.entries({ kty, crv, x, y, n, e }).filter(([, v]) => v !== undefined));
    const kid = await calculateJwkThumbprint(pub);
    const now = readClock(this.#clock);
    for (const entry of this.#entries) entry.retireAtMs ??= now + this.#overlapMs;
    this.#entries.unshift({ kid, alg, signer: privateKey, publicJwk: { ...pub, kid, alg, use: 'sig' }, headers: new Map() });
  }

  /**
   * Makes a new key current; the previous ones stay published for `overlapSec`.
   * @example
   * ```ts
   * setInterval(() => keys.rotate(), 24 * 3600_000);
   * ```
   */
  async rotate(alg: AccessTokenAlgorithm = this.#entries[0]?.alg ?? 'ES256'): Promise<void> {
    if (!ALGORITHMS.includes(alg)) throw new TypeError('alg must be ES256, EdDSA, RS256 or PS256');
    const { privateKey } = await generate(alg);
    await this.#add(alg, privateKey);
  }

  /**
   * Signs a JWT with the current key: header `{alg, kid, typ}`, the claims as given.
   * @example
   * ```ts
   * const jwt = keys.sign({ iss, sub, aud, exp }, 'at+jwt');
   * ```
   */
  sign(claims: Record<string, unknown>, typ: string): string {
    const e = this.#entries[0];
    if (e === undefined) throw new TypeError('the key ring holds no key');
    let header = e.headers.get(typ);
    if (header === undefined) {
      header = Buffer.from(JSON.stringify({ alg: e.alg, kid: e.kid, typ })).toString('base64url');
      // Callers sign with a type or two (`at+jwt`): a caller passing new ones each time finds a bounded map.
      if (e.headers.size < 16) e.headers.set(typ, header);
    }
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const data = Buffer.from(input, 'latin1');
    const signature =
      e.alg === 'EdDSA'
        ? sign(null, data, e.signer)
        : e.alg === 'ES256'
          ? sign('sha256', data, { key: e.signer, dsaEncoding: 'ieee-p1363' })
          : e.alg === 'PS256'
            ? sign('sha256', data, { key: e.signer, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
            : sign('sha256', data, e.signer);
    return `${input}.${signature.toString('base64url')}`;
  }

  /**
   * The JWKS to publish: the current key and every older one still inside its overlap.
   * @example
   * ```ts
   * return Response.json(keys.jwks());
   * ```
   */
  jwks(): { keys: PublishedKey[] } {
    const now = readClock(this.#clock);
    for (let i = this.#entries.length - 1; i > 0; i--) if ((this.#entries[i]!.retireAtMs ?? Number.POSITIVE_INFINITY) <= now) this.#entries.splice(i, 1);
    return { keys: this.#entries.map((e) => ({ ...e.publicJwk })) };
  }
}
