import {
  type AgentIdError,
  type Clock,
  DidUnreachableError,
  ExpiredError,
  MalformedInputError,
  NotYetValidError,
  StatusUnavailableError,
  UnreachableError,
  readClock,
  readClockTolerance,
} from '@agent-id/core';
import { isLoopbackHost } from './did-web.js';
import { fetchBounded } from './fetch-bounded.js';
import type { DidResolver } from './resolver.js';
import { type VerifiedStatusList, verifyStatusListCredential } from './status-list-credential.js';

/** Options for {@link createStatusListResolver}. */
export interface StatusListResolverOptions {
  /** Timeout of one list fetch, ms. Default 5,000. */
  timeoutMs?: number;
  /** Largest accepted list credential as fetched, bytes. Default 1,048,576. */
  maxListBytes?: number;
  /** Largest accepted bitstring after decompression, bytes. Default 2,097,152 (16,777,216 entries). */
  maxDecodedBytes?: number;
  /** How long a list is reused when it states no `ttl`, ms. Default 300,000. Never past its `validUntil`. */
  cacheTtlMs?: number;
  /**
   * How long past its freshness a cached list may still decide while no new one can be
   * fetched (unreachable, HTTP error, expired on the server), ms. Default 300,000; 0 fails
   * closed at once. Beyond it, and with no list at all, the check is `status_unavailable`.
   * Meanwhile a failed fetch is retried at most every 10 s.
   */
  maxStaleMs?: number;
  /** Most lists kept. Default 1,000. */
  maxCacheEntries?: number;
  /** Most decoded bytes kept over all cached lists; the oldest go first. Default 67,108,864. */
  maxCacheBytes?: number;
  /**
   * Allowed skew between this clock and the issuer's when reading a list's `validFrom` and
   * `validUntil`, seconds, 0 to 86,400. Default 60: a list is signed when it changes, and a
   * verifier a second behind its issuer must not read it as not yet valid.
   */
  clockToleranceSec?: number;
  /** Fetch lists over plain HTTP when the host is loopback (tests, demos). Default false. */
  allowHttpLoopback?: boolean;
  /** Time source (default the system clock); one giving no usable time is `bad_clock`. */
  clock?: Clock;
}

/** Fetches, verifies and caches status list credentials. */
export interface StatusListResolver {
  /**
   * The verified list at `url`, which must be issued by `issuer`: from the cache while fresh,
   * fetched otherwise; a stale one within `maxStaleMs` when no fresh one can be had.
   */
  resolve(url: string, issuer: string): Promise<VerifiedStatusList>;
  /** Drops every cached list. */
  clear(): void;
}

interface Entry {
  list: VerifiedStatusList;
  freshUntil: number;
  /** After a failed refresh: no new attempt before this time, the stale list decides meanwhile. */
  retryAt?: number;
}

// How long a failed refresh is not retried while a stale list still decides, so an outage
// does not cost every verification a fetch timeout.
const RETRY_MS = 10_000;

// Failures that say nothing about the list's content: a cached list may stand in for a while.
function isUnavailable(error: unknown): error is AgentIdError {
  return (
    error instanceof UnreachableError ||
    error instanceof DidUnreachableError ||
    ((error instanceof ExpiredError || error instanceof NotYetValidError) && error.check === 'status_list_expiry')
  );
}

function listUrl(url: unknown, allowHttpLoopback: boolean): asserts url is string {
  const parsed = typeof url === 'string' && url.length <= 2048 && URL.canParse(url) ? new URL(url) : undefined;
  const ok = parsed && (parsed.protocol === 'https:' || (parsed.protocol === 'http:' && allowHttpLoopback && isLoopbackHost(parsed.host)));
  if (!parsed || !ok || parsed.username !== '' || parsed.password !== '') {
    throw new MalformedInputError('status list URL must be https (plain http only on loopback when allowed)', { check: 'status_list_url' });
  }
}

/**
 * A status list resolver for verifiers: fetches a list with the strict bounded fetch (no
 * redirects, a timeout, a size limit before and after decompression), verifies it
 * ({@link verifyStatusListCredential}: signature, issuer, validity), caches it for its `ttl`
 * (never past its `validUntil`) and shares concurrent fetches; a list signed before one it
 * has already seen is not taken (it would undo a revocation). When no fresh list can be had
 * it keeps deciding with the last one for `maxStaleMs`, then fails closed with
 * `status_unavailable`. A list that is bad (signature, issuer, size, encoding) is refused with
 * its own code at once.
 *
 * @example
 * ```ts
 * const statusLists = createStatusListResolver(resolver, { maxStaleMs: 600_000 });
 * await verifyOwnershipCredential(jwt, resolver, { trustedIssuers: [acme.did], statusLists });
 * ```
 */
export function createStatusListResolver(resolver: DidResolver, options: StatusListResolverOptions = {}): StatusListResolver {
  if (typeof resolver?.resolveKey !== 'function') throw new TypeError('resolver must be a DidResolver');
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxListBytes = options.maxListBytes ?? 1_048_576;
  const cacheTtl = options.cacheTtlMs ?? 300_000;
  const maxStale = options.maxStaleMs ?? 300_000;
  const maxEntries = options.maxCacheEntries ?? 1_000;
  const maxCacheBytes = options.maxCacheBytes ?? 67_108_864;
  const clockToleranceSec = options.clockToleranceSec ?? 60;
  readClockTolerance(clockToleranceSec, 0);
  const allowHttpLoopback = options.allowHttpLoopback === true;
  const clock = options.clock;
  if (clock !== undefined) readClock(clock);
  const cache = new Map<string, Entry>();
  let cacheBytes = 0;
  const inflight = new Map<string, Promise<VerifiedStatusList>>();

  const fetchList = async (url: string, issuer: string): Promise<VerifiedStatusList> => {
    const what = `status list at ${url.slice(0, 200)}`;
    const { status, body } = await fetchBounded(url, { timeoutMs, maxBytes: maxListBytes, what, accept: 'application/vc+jwt, application/jwt' });
    if (status !== 200) throw new UnreachableError(`${what} answered HTTP ${status}`, { check: 'fetch' });
    const jwt = new TextDecoder('utf-8', { fatal: false }).decode(body).trim();
    return verifyStatusListCredential(jwt, resolver, {
      issuer,
      id: url,
      maxBytes: maxListBytes,
      maxDecodedBytes: options.maxDecodedBytes,
      clock,
      clockToleranceSec,
    });
  };

  const usable = (entry: Entry, now: number): boolean =>
    now < entry.freshUntil + maxStale && (entry.list.validUntil === undefined || now < entry.list.validUntil);

  const refresh = async (key: string, url: string, issuer: string): Promise<VerifiedStatusList> => {
    try {
      const list = await fetchList(url, issuer);
      const seen = cache.get(key);
      // A list signed before the one already seen (a stale mirror, a replay) would undo a revocation.
      if (seen && list.validFrom < seen.list.validFrom) {
        throw new UnreachableError(`${url.slice(0, 200)} served a list older than one already seen`, { check: 'status_list_rollback' });
      }
      const fetchedAt = readClock(clock);
      const freshUntil = Math.min(fetchedAt + (list.ttlMs ?? cacheTtl), list.validUntil ?? Number.POSITIVE_INFINITY);
      const old = cache.get(key);
      if (old) cacheBytes -= old.list.bits.length;
      cache.delete(key);
      for (const [k, e] of cache) {
        if (cache.size < maxEntries && cacheBytes + list.bits.length <= maxCacheBytes) break;
        cache.delete(k);
        cacheBytes -= e.list.bits.length;
      }
      cache.set(key, { list, freshUntil });
      cacheBytes += list.bits.length;
      return list;
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      const now = readClock(clock);
      const stale = cache.get(key);
      if (stale && usable(stale, now)) {
        stale.retryAt = now + RETRY_MS;
        return stale.list;
      }
      throw new StatusUnavailableError(
        `no fresh status list: ${error.message}${stale ? ` (the last one is too old to decide with, beyond ${maxStale} ms)` : ''}`,
        { check: error.check === 'status_list_expiry' || error.check === 'status_list_rollback' ? error.check : 'credential_status', cause: error },
      );
    }
  };

  return {
    async resolve(url, issuer) {
      if (typeof issuer !== 'string' || !issuer.startsWith('did:')) throw new MalformedInputError('status list issuer is not a DID', { check: 'issuer' });
      const key = `${issuer} ${url}`;
      // Only lists fetched from a checked URL are cached, so a hit needs no second check.
      const hit = cache.get(key);
      if (hit) {
        const now = readClock(clock);
        if (now < hit.freshUntil || (hit.retryAt !== undefined && now < hit.retryAt && usable(hit, now))) return hit.list;
      }
      listUrl(url, allowHttpLoopback);
      const pending = inflight.get(key);
      if (pending) return pending;
      const run = refresh(key, url, issuer).finally(() => inflight.delete(key));
      inflight.set(key, run);
      return run;
    },
    clear() {
      cache.clear();
      cacheBytes = 0;
    },
  };
}
