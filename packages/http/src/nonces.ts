import { type Clock, base64urlDecode, base64urlEncode, readClock } from '@agent-id/core';
import { type HmacKey, equalBytes, hmacSha256, hmacSha256Key, randomBytes, utf8ToBytes } from '@agent-id/core/internal';

/** Options of {@link NonceIssuer}. */
export interface NonceIssuerOptions {
  /** How long a nonce is accepted after it was issued, seconds. Default 300. */
  lifetimeSec?: number;
  /**
   * HMAC key, at least 32 bytes. Default: random per issuer. Servers of one fleet share one
   * so a nonce from any of them is accepted by all.
   */
  secret?: Uint8Array;
  clock?: Clock;
}

/**
 * Server nonces for proofs (RFC 9449 §8), for servers that do not trust clients' clocks: a
 * proof must then carry a nonce this server issued within `lifetimeSec`, so a proof
 * cannot be made ahead of time. Stateless: a nonce is its issue time with an HMAC over it,
 * so any server holding the secret checks it without storage.
 *
 * @example
 * ```ts
 * const nonces = new NonceIssuer({ lifetimeSec: 120 });
 * const guard = new HttpGuard({ ...options, nonces });
 * ```
 */
export class NonceIssuer {
  readonly lifetimeSec: number;
  readonly #key: HmacKey;
  readonly #clock: Clock | undefined;

  constructor(options: NonceIssuerOptions = {}) {
    const lifetime = options.lifetimeSec ?? 300;
    if (!Number.isSafeInteger(lifetime) || lifetime < 1 || lifetime > 86_400) throw new TypeError('lifetimeSec must be 1 to 86,400 seconds');
    if (options.secret !== undefined && !(options.secret instanceof Uint8Array && options.secret.length >= 32)) throw new TypeError('secret must be at least 32 bytes');
    this.lifetimeSec = lifetime;
    // Prepared once: on Node a KeyObject, several times faster per MAC than raw bytes.
    this.#key = hmacSha256Key(options.secret ?? randomBytes(32));
    this.#clock = options.clock;
    readClock(this.#clock);
  }

  #mac(time: string): Uint8Array {
    return hmacSha256(this.#key, utf8ToBytes(`agent-id proof nonce ${time}`)).subarray(0, 16);
  }

  /** A fresh nonce for the `DPoP-Nonce` header. */
  issue(): string {
    const time = Math.floor(readClock(this.#clock) / 1000).toString(36);
    return `${time}.${base64urlEncode(this.#mac(time))}`;
  }

  /** Whether `nonce` is one this issuer (or one sharing its secret) issued, no longer ago than `lifetimeSec` and not in the future. */
  accepts(nonce: unknown): boolean {
    if (typeof nonce !== 'string' || nonce.length > 64) return false;
    const match = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{22})$/.exec(nonce);
    if (!match) return false;
    let mac: Uint8Array;
    try {
      mac = base64urlDecode(match[2]!);
    } catch {
      return false;
    }
    // equalBytes runs in constant time for equal lengths.
    if (mac.length !== 16 || !equalBytes(mac, this.#mac(match[1]!))) return false;
    const age = Math.floor(readClock(this.#clock) / 1000) - Number.parseInt(match[1]!, 36);
    return age >= 0 && age <= this.lifetimeSec;
  }
}
