import { type Clock, MalformedInputError, UnknownKeyError, UnreachableError, VerificationKey, readClock } from '@agent-id/core';
import { BoundedMap, bytesToUtf8, isRecord, parseJson } from '@agent-id/core/internal';
import { fetchBounded, isLoopbackHost } from '@agent-id/did';
import { optionsObject } from './prepare.js';

/** Options for {@link createJwksCache}. */
export interface JwksCacheOptions {
  /** How long a fetched JWKS is reused, ms. Default 300,000 (5 min); 0 fetches on every lookup. */
  cacheTtlMs?: number;
  /** A `kid` missing from a cached JWKS refetches it (key rotation), at most this often, ms. Default 30,000. */
  refetchUnknownKidAfterMs?: number;
  /** Most JWKS documents kept. Default 100. */
  maxEntries?: number;
  /** Timeout of one fetch, ms. Default 5,000. */
  timeoutMs?: number;
  /** Largest accepted JWKS, bytes. Default 65,536. */
  maxJwksBytes?: number;
  /** Fetch over plain HTTP when the host is loopback (tests, demos). Default false: HTTPS only. */
  allowHttpLoopback?: boolean;
  /** Clock for expiry; one giving no usable time is `bad_clock`. */
  clock?: Clock;
}

/** JWKS documents the verifier named, fetched on demand and cached. */
export interface JwksCache {
  /**
   * The key named `kid` in the JWKS at `url`. Unknown `kid`: `unknown_key`; an
   * unreachable or failing host: `unreachable` (check `jwks`); a body that is no JWKS, or
   * names `kid` twice: `malformed_input` (check `jwks`); the key itself is read with core
   * `VerificationKey.fromJwk`.
   */
  getKey(url: string, kid: string): Promise<VerificationKey>;
  /** Drops every cached JWKS. */
  clear(): void;
}

interface Entry {
  fetched: number;
  expires: number;
  jwks: Map<string, unknown>;
  keys: Map<string, VerificationKey>;
}

const MAX_KEYS = 100;

/**
 * A cache of JWKS documents a trust policy names (`{ jwks: url }` signers): each URL is
 * fetched with `@agent-id/did`'s bounded fetch (HTTPS only, or HTTP to a loopback host when
 * allowed; no redirects; size and time limits), kept for `cacheTtlMs`, and shared by
 * concurrent lookups. Only URLs the verifier chose are ever fetched: a card's `jku` never
 * reaches here unless it is exactly a URL the policy pins.
 *
 * @example
 * ```ts
 * import { createJwksCache, verifyAgentCard } from '@agent-id/a2a-cards';
 * const jwksCache = createJwksCache({ cacheTtlMs: 600_000 });
 * await verifyAgentCard(card, resolver, { signers: [{ jwks: 'https://globex.example/.well-known/jwks.json' }] }, { jwksCache });
 * ```
 */
export function createJwksCache(cacheOptions?: JwksCacheOptions): JwksCache {
  const options = optionsObject(cacheOptions);
  const ttl = options.cacheTtlMs ?? 300_000;
  const refetchAfter = options.refetchUnknownKidAfterMs ?? 30_000;
  const maxEntries = options.maxEntries ?? 100;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxJwksBytes ?? 65_536;
  for (const [name, value, min] of [
    ['cacheTtlMs', ttl, 0],
    ['refetchUnknownKidAfterMs', refetchAfter, 0],
    ['maxEntries', maxEntries, 1],
    ['timeoutMs', timeoutMs, 1],
    ['maxJwksBytes', maxBytes, 1],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < min) throw new MalformedInputError(`${name} must be an integer >= ${min}`, { check: 'options' });
  }
  if (options.clock !== undefined) readClock(options.clock);
  const cache = new BoundedMap<string, Entry>(maxEntries);
  const inflight = new Map<string, Promise<Entry>>();

  const load = async (href: string): Promise<Entry> => {
    const url = jwksUrl(href, options.allowHttpLoopback === true);
    const what = `JWKS at ${href}`;
    const { status, body } = await fetchBounded(url, { timeoutMs, maxBytes, what, accept: 'application/jwk-set+json, application/json' });
    if (status !== 200) throw new UnreachableError(`${what} answered HTTP ${status}`, { check: 'jwks' });
    const doc = parseJson(bytesToUtf8(body, what), { maxBytes, maxDepth: 8, what });
    if (!isRecord(doc) || !Array.isArray(doc.keys)) throw new MalformedInputError(`${what} is not a JWK set (no "keys" array)`, { check: 'jwks' });
    if (doc.keys.length > MAX_KEYS) throw new MalformedInputError(`${what} has more than ${MAX_KEYS} keys`, { check: 'jwks' });
    const jwks = new Map<string, unknown>();
    const twice = new Set<string>();
    for (const jwk of doc.keys) {
      if (!isRecord(jwk) || typeof jwk.kid !== 'string') continue;
      if (jwks.has(jwk.kid)) twice.add(jwk.kid);
      jwks.set(jwk.kid, jwk);
    }
    // A kid named twice is ambiguous: which key it means would depend on the order.
    for (const kid of twice) jwks.set(kid, undefined);
    const now = readClock(options.clock);
    const entry: Entry = { fetched: now, expires: now + ttl, jwks, keys: new Map() };
    if (ttl > 0) cache.set(href, entry);
    return entry;
  };

  const entryFor = (href: string, fresh: boolean): Promise<Entry> => {
    const hit = cache.get(href);
    if (hit && !fresh && hit.expires > readClock(options.clock)) return Promise.resolve(hit);
    const pending = inflight.get(href);
    if (pending) return pending;
    const run = load(href).finally(() => inflight.delete(href));
    inflight.set(href, run);
    return run;
  };

  const lookup = (entry: Entry, href: string, kid: string): VerificationKey | undefined => {
    const known = entry.keys.get(kid);
    if (known) return known;
    if (!entry.jwks.has(kid)) return undefined;
    const jwk = entry.jwks.get(kid);
    if (jwk === undefined) throw new MalformedInputError(`JWKS at ${href} names kid ${JSON.stringify(kid.slice(0, 64))} more than once`, { check: 'jwks' });
    const key = VerificationKey.fromJwk(jwk);
    entry.keys.set(kid, key);
    return key;
  };

  const cached: JwksCache = {
    async getKey(url, kid) {
      if (typeof url !== 'string') throw new MalformedInputError('JWKS URL must be a string', { check: 'jwks_url' });
      if (typeof kid !== 'string' || kid.length === 0) throw new MalformedInputError('kid must be a non-empty string', { check: 'kid' });
      let entry = await entryFor(url, false);
      let key = lookup(entry, url, kid);
      if (!key && readClock(options.clock) - entry.fetched >= refetchAfter) {
        entry = await entryFor(url, true);
        key = lookup(entry, url, kid);
      }
      if (!key) throw new UnknownKeyError(`kid ${JSON.stringify(kid.slice(0, 64))} is not in the JWKS at ${url}`);
      return key;
    },
    clear() {
      cache.clear();
    },
  };
  peekers.set(cached, (url, kid) => {
    const entry = cache.get(url);
    return entry !== undefined && entry.expires > readClock(options.clock) ? entry.keys.get(kid) : undefined;
  });
  return cached;
}

// What a cache created here already holds, read without waiting: the key getKey would
// return at once (its set cached and fresh, the kid's key already read). Anything else
// (expired, not fetched, unknown kid, a bad clock) goes through getKey.
const peekers = new WeakMap<JwksCache, (url: string, kid: string) => VerificationKey | undefined>();

/** @internal The key `cache.getKey(url, kid)` would answer at once, or undefined when it would have to wait or refuse. */
export function cachedJwksKey(cache: JwksCache, url: string, kid: string): VerificationKey | undefined {
  try {
    return peekers.get(cache)?.(url, kid);
  } catch {
    return undefined;
  }
}

/** A JWKS URL a policy may pin: absolute, https (http for a loopback host when allowed), no credentials or fragment. */
export function jwksUrl(href: unknown, allowHttpLoopback: boolean): URL {
  let url: URL;
  try {
    url = new URL(href as string);
  } catch {
    throw new MalformedInputError('JWKS URL is not an absolute URL', { check: 'jwks_url' });
  }
  if (typeof href !== 'string') throw new MalformedInputError('JWKS URL must be a string', { check: 'jwks_url' });
  const httpOk = url.protocol === 'http:' && allowHttpLoopback && isLoopbackHost(url.host);
  if (url.protocol !== 'https:' && !httpOk) throw new MalformedInputError(`JWKS URL must be https (got ${url.protocol})`, { check: 'jwks_url' });
  if (url.username || url.password || url.hash) throw new MalformedInputError('JWKS URL must not carry credentials or a fragment', { check: 'jwks_url' });
  return url;
}

// URLs a policy pinned, by their exact text: the check and the host are functions of the
// text alone, and a policy is checked on every verification.
const MAX_POLICY_URLS = 256;
const policyUrls = new BoundedMap<string, string>(MAX_POLICY_URLS);

/** @internal How many policy URLs are kept. */
export function policyUrlsHeld(): number {
  return policyUrls.size;
}

/** The host (`host[:port]`, lower case) of a JWKS URL a policy may pin (see {@link jwksUrl}, loopback HTTP allowed). */
export function policyJwksHost(href: unknown): string {
  const known = typeof href === 'string' ? policyUrls.get(href) : undefined;
  if (known !== undefined) return known;
  const host = jwksUrl(href, true).host.toLowerCase();
  policyUrls.set(href as string, host);
  return host;
}
