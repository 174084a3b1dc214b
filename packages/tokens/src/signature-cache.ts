import { base64urlEncode } from '@agent-id/core';
import { BoundedMap, WeightedMap, deepFreeze, equalBytes } from '@agent-id/core/internal';

/**
 * What was verified already, so a token presented again, or one extending a chain whose
 * blocks were verified before (every sub-agent's token repeats its parent's blocks), costs
 * no second verification of it:
 * - Macaroon hop signatures, as (key, signature, message), kept by signature after that
 *   signature verified under that key: a hit means exactly this signature over exactly
 *   these bytes was verified, so it verifies now;
 * - Biscuit runs of first blocks (their bytes, whose every signature verified under a
 *   trusted root, and how they read), and whole Biscuit chains by token text. A Biscuit is
 *   remembered whole, not signature by signature: a new token's eleven signatures would
 *   otherwise keep their messages (about twice its bytes) and eleven entries alive.
 *
 * Never a decision: expiry, revocation, holder, audience and the request are decided on
 * every call. What failed is not remembered (a forger cannot make a valid signature fail
 * later, nor fill the cache with junk that costs nothing to make).
 *
 * @module signature-cache
 */

/** Options of {@link configureSignatureCache}. */
export interface SignatureCacheOptions {
  /** Most Macaroon signatures remembered (oldest first out). Default 10,000; 0 turns the cache off, Biscuit runs and chains too. */
  maxEntries?: number;
}

/** Figures of the signature cache since the process started (or the last `configureSignatureCache`). */
export interface SignatureCacheStats {
  /** Macaroon signatures held. */
  entries: number;
  maxEntries: number;
  /** Verified runs of a Biscuit's first blocks held (one a Biscuit verified). */
  runs: number;
  /** Verified Biscuit chains held, by token text. */
  chains: number;
  /** What was found: a Macaroon signature, a Biscuit chain, or a run of a Biscuit's first blocks. */
  hits: number;
  /** Macaroon signatures verified for want of an entry, and Biscuits of which nothing was found. */
  misses: number;
}

const DEFAULT_MAX_ENTRIES = 10_000;
// The bytes the signature cache keeps (keys and messages), so long messages cannot make
// 10,000 entries cost more than this; one message may take at most a 64th of it.
const MAX_CACHED_BYTES = 16 * 1024 * 1024;
let maxEntries = DEFAULT_MAX_ENTRIES;
let hits = 0;
let misses = 0;
// By signature: the key name and message it verified under, compared whole on a hit (no
// digest to compute: a cached signature costs a map lookup and a byte comparison).
let verified = new WeightedMap<string, { key: string; message: Uint8Array }>(maxEntries, MAX_CACHED_BYTES, MAX_CACHED_BYTES / 64);
// Verified Biscuit chains by (trusted roots, limits, token text): what `verifyTokenChain` proves is a
// pure function of those, so a token presented again is not parsed and checked again. Its
// result is deeply frozen, so no caller can change what the next one gets.
// By trust description and the token text's last characters (its proof: random per
// token), the trust and the whole text compared on a hit. Hashing a whole token, natively
// or as a map key, costs more than the lookup is worth on a token's first verification.
// Weighed by the text's characters and what its compiled first-party checks hold.
const MAX_CHAINS = 2_000;
const MAX_CHAIN_WEIGHT = 8 * 1024 * 1024;
const TAIL = 48;
const chains = new WeightedMap<string, { trust: string; token: string; chain: unknown }>(MAX_CHAINS, MAX_CHAIN_WEIGHT, MAX_CHAIN_WEIGHT / 64);
// Each trust description gets a short number, so a lookup does not build and hash a key as
// long as the description (a verifier passes the same string every time, whose hash V8 keeps).
const trustNumbers = new BoundedMap<string, number>(256);
let trustCount = 0;
function chainKey(trust: string, token: string): string {
  let n = trustNumbers.get(trust);
  if (n === undefined) {
    n = trustCount++;
    trustNumbers.set(trust, n);
  }
  return `${n}:${token.slice(-TAIL)}`;
}
// Verified Biscuit block runs (see `biscuit/chain.ts`): by the signature of a run's last
// block, with the run's bytes, compared whole on a hit (no digest of the token to compute
// on its first verification, when nothing is found).
const MAX_PREFIXES = 2_000;
const MAX_PREFIX_BYTES = 16 * 1024 * 1024;
const prefixes = new WeightedMap<string, { encoded: Uint8Array; value: unknown; weight: number }>(MAX_PREFIXES, MAX_PREFIX_BYTES, MAX_PREFIX_BYTES / 64);

/**
 * @internal Whether `signature` over `message` verifies under the key named `key` (its
 * algorithm and bytes, in any one fixed spelling per key): from the cache when this exact
 * triple verified before (a hit), else by `verify()` (a miss), remembered only when it
 * verified. A message remembered is copied: `message` may be a view of a buffer that is
 * used again.
 */
export function verifyCached(key: string, signature: Uint8Array, message: Uint8Array, verify: () => boolean): boolean {
  if (maxEntries === 0) return verify();
  const id = base64urlEncode(signature);
  const held = verified.get(id);
  if (held !== undefined && held.key === key && equalBytes(held.message, message)) {
    hits++;
    return true;
  }
  misses++;
  if (!verify()) return false;
  const copy = Uint8Array.from(message);
  verified.set(id, { key, message: copy }, copy.length + key.length + id.length);
  return true;
}

/** @internal Counts a Biscuit verification that used a run of blocks it found ({@link cachedPrefix}), or found none it could use. */
export function countRunLookup(used: boolean): void {
  if (maxEntries === 0) return;
  if (used) hits++;
  else misses++;
}

/**
 * @internal A token's verified chain remembered for this token text under this trust
 * (see {@link rememberChain}), or undefined; off with the signature cache.
 */
export function cachedChain<T extends object>(trust: string, token: string): T | undefined {
  if (maxEntries === 0) return undefined;
  const held = chains.get(chainKey(trust, token));
  if (held === undefined || held.token !== token || held.trust !== trust) return undefined;
  hits++;
  return held.chain as T;
}

/**
 * @internal Remembers (deeply frozen) a token's verified chain for its text (its canonical
 * serialization: one text per byte string) and `trust`, which names the trusted roots and
 * the limits it was verified with: what verification proves is a pure function of those.
 * Only a chain that verified is remembered; another token ending in the same characters
 * (made so on purpose) takes its place. `retained` estimates what the chain holds beyond
 * the text (its compiled checks: `checksWeight`). Returns the frozen chain. Byte arrays
 * cannot be frozen: the chain holds none a caller could reach (`root` is a PublicKey, whose
 * bytes are copied out).
 */
export function rememberChain<T extends object>(trust: string, token: string, chain: T, retained = 0): T {
  const result = deepFreeze(chain);
  if (maxEntries !== 0) chains.set(chainKey(trust, token), { trust, token, chain: result }, token.length + retained);
  return result;
}

/**
 * @internal A verified run of blocks remembered under `id` (see `biscuit/chain.ts`) whose
 * bytes are exactly `encoded`, or undefined; off with the signature cache. Not counted: the
 * caller counts whether it could use it ({@link countRunLookup}).
 */
export function cachedPrefix<T extends object>(id: string, encoded: Uint8Array): T | undefined {
  if (maxEntries === 0) return undefined;
  const held = prefixes.get(id);
  if (held === undefined || !equalBytes(held.encoded, encoded)) return undefined;
  // Found, it is kept as the newest: the tokens of one parent's sub-agents find its run
  // however many other tokens came since (a run is only ever remembered by verifying its
  // own token, not one extending it).
  prefixes.delete(id);
  prefixes.set(id, held, held.weight);
  return held.value as T;
}

/**
 * @internal Remembers a verified run of blocks, `encoded`, under `id`, deeply frozen;
 * returns it frozen (remembered or not). A run already held under `id` stays. `retained`
 * estimates what `value` holds beyond the bytes (its compiled checks). `encoded` is copied
 * unless `own`: bytes of the caller's own that no one changes (then kept as they are, and
 * weighed with the whole buffer they keep alive).
 */
export function rememberPrefix<T extends object>(id: string, encoded: Uint8Array, value: T, retained = 0, own = false): T {
  const frozen = deepFreeze(value);
  if (maxEntries !== 0 && !prefixes.has(id)) {
    const kept = own ? encoded : Uint8Array.from(encoded);
    const weight = Math.max(kept.length, kept.buffer.byteLength) + id.length + retained;
    prefixes.set(id, { encoded: kept, value: frozen, weight }, weight);
  }
  return frozen;
}

/**
 * Sizes (or turns off, with 0) the process-wide cache of verified Macaroon signatures that
 * `authorize`, `verifyChain`, `inspectToken` and `attenuate` share, and empties it, with
 * the caches of verified Biscuit runs of blocks and chains (which 0 also turns off).
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
  verified = new WeightedMap(Math.max(size, 1), MAX_CACHED_BYTES, MAX_CACHED_BYTES / 64);
  chains.clear();
  prefixes.clear();
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
  return { entries: verified.size, maxEntries, runs: prefixes.size, chains: chains.size, hits, misses };
}
