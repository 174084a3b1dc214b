import { base64urlEncode } from '@agent-id/core';
import { concatBytes, sha256, utf8ToBytes } from '@agent-id/core/internal';

/**
 * Signatures already verified, so a token presented again, or one extending a chain whose
 * blocks were verified before (every sub-agent's token repeats its parent's blocks), costs
 * no second verification of them. An entry is the SHA-256 of (key, signature, message)
 * after that signature verified under that key: a hit means exactly this signature over
 * exactly these bytes was verified, so it verifies now. Only signatures are cached, never
 * a decision: expiry, revocation, holder, audience and the request are decided on every
 * call. A failed verification is not cached (a forger cannot make a valid signature fail
 * later, nor fill the cache with junk that costs nothing to make).
 *
 * @module signature-cache
 */

/** Options of {@link configureSignatureCache}. */
export interface SignatureCacheOptions {
  /** Most signatures remembered (oldest first out). Default 10,000; 0 turns the cache off. */
  maxEntries?: number;
}

/** Figures of the signature cache since the process started (or the last `configureSignatureCache`). */
export interface SignatureCacheStats {
  entries: number;
  maxEntries: number;
  hits: number;
  misses: number;
}

const DEFAULT_MAX_ENTRIES = 10_000;
let maxEntries = DEFAULT_MAX_ENTRIES;
let hits = 0;
let misses = 0;
const verified = new Set<string>();
// Verified Biscuit chains by (token, trusted roots, limits): what `verifyTokenChain` proves is a
// pure function of those, so a token presented again is not parsed and checked again. Its
// result is deeply frozen, so no caller can change what the next one gets.
const MAX_CHAINS = 2_000;
const chains = new Map<string, unknown>();

function entryOf(key: string, signature: Uint8Array, message: Uint8Array): string {
  // Length-prefixed, so no two (key, signature, message) triples hash the same input.
  const keyBytes = utf8ToBytes(key);
  const lengths = new Uint8Array(12);
  const view = new DataView(lengths.buffer);
  view.setUint32(0, keyBytes.length);
  view.setUint32(4, signature.length);
  view.setUint32(8, message.length);
  return base64urlEncode(sha256(concatBytes(lengths, keyBytes, signature, message)));
}

/**
 * @internal Whether `signature` over `message` verifies under the key named `key` (its
 * algorithm and bytes, in any one fixed spelling per key): from the cache when this exact
 * triple verified before, else by `verify()`, remembered only when it verified.
 */
export function verifyCached(key: string, signature: Uint8Array, message: Uint8Array, verify: () => boolean): boolean {
  if (maxEntries === 0) return verify();
  const entry = entryOf(key, signature, message);
  if (verified.has(entry)) {
    hits++;
    return true;
  }
  misses++;
  if (!verify()) return false;
  if (verified.size >= maxEntries) verified.delete(verified.values().next().value as string);
  verified.add(entry);
  return true;
}

/**
 * @internal Records that `signature` over `message` verified under the key named `key` (see
 * {@link verifyCached}); for a verification made elsewhere (WebCrypto, asynchronously).
 */
export function rememberVerified(key: string, signature: Uint8Array, message: Uint8Array): void {
  if (maxEntries === 0) return;
  const entry = entryOf(key, signature, message);
  if (verified.has(entry)) return;
  if (verified.size >= maxEntries) verified.delete(verified.values().next().value as string);
  verified.add(entry);
}

function deepFreeze<T>(value: T): T {
  // Byte arrays cannot be frozen; the chain holds none a caller could reach (`root` is a PublicKey, whose bytes are copied out).
  if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/**
 * @internal A token's verified chain from the cache when the same token was verified with
 * the same trust and limits (`key` names all three), else `verify()`'s, remembered (frozen)
 * only when it did not throw. Off when the signature cache is.
 */
export function verifyChainCached<T extends object>(key: string, verify: () => T): T {
  if (maxEntries === 0) return verify();
  const hit = chains.get(key);
  if (hit !== undefined) {
    hits++;
    return hit as T;
  }
  const result = deepFreeze(verify());
  if (chains.size >= MAX_CHAINS) chains.delete(chains.keys().next().value as string);
  chains.set(key, result);
  return result;
}

/** @internal The cache key of a token (its canonical serialization) under a trust and limits description. */
export function chainKey(token: string, trust: string): string {
  return `${base64urlEncode(sha256(utf8ToBytes(token)))}|${trust}`;
}

/**
 * Sizes (or turns off, with 0) the process-wide cache of verified signatures that
 * `authorize`, `verifyChain`, `inspectToken` and `attenuate` share, and empties it (with
 * the cache of verified Biscuit chains, which it also turns off with 0).
 *
 * @example
 * ```ts
 * import { configureSignatureCache } from '@agent-id/tokens';
 * configureSignatureCache({ maxEntries: 50_000 }); // a busy verifier
 * ```
 */
export function configureSignatureCache(options: SignatureCacheOptions = {}): void {
  const size = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (!Number.isSafeInteger(size) || size < 0) throw new TypeError('maxEntries must be a non-negative integer');
  maxEntries = size;
  verified.clear();
  chains.clear();
  hits = 0;
  misses = 0;
}

/**
 * Size and hit figures of the signature cache.
 *
 * @example
 * ```ts
 * const { hits, misses } = signatureCacheStats();
 * ```
 */
export function signatureCacheStats(): SignatureCacheStats {
  return { entries: verified.size, maxEntries, hits, misses };
}
