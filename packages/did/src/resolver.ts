import {
  type Clock,
  DidUnreachableError,
  KeyNotAuthorizedError,
  MalformedInputError,
  type PublicKey,
  UnknownDidError,
  UnknownKeyError,
  readClock,
} from '@agent-id/core';
import { BoundedMap, bytesToUtf8, isRecord, parseJson } from '@agent-id/core/internal';
import { type DIDResolutionResult, Resolver } from 'did-resolver';
import { didKeyDocument } from './did-key-document.js';
import { publicKeyFromDidKey } from './did-key.js';
import { didWebDocumentUrl } from './did-web.js';
import { fetchBounded } from './fetch-bounded.js';
import type { DidDocument, VerificationMethod, VerificationRelationship } from './document.js';
import { publicKeyFromVerificationMethod } from './verification-method.js';

/** Options for {@link createDidResolver}. */
export interface DidResolverOptions {
  /** How long a resolved document is reused, in ms. Default 300,000 (5 min); 0 disables caching. */
  cacheTtlMs?: number;
  /** Most documents kept in the cache. Default 1,000. */
  maxCacheEntries?: number;
  /** Timeout of one did:web fetch, in ms. Default 5,000. */
  timeoutMs?: number;
  /** Largest accepted DID document, in bytes. Default 65,536. */
  maxDocumentBytes?: number;
  /** Fetch did:web over plain HTTP when the host is loopback (tests, demos). Default false. */
  allowHttpLoopback?: boolean;
  /** Clock for cache expiry; one giving no usable time is `bad_clock` (core `readClock`), at creation and on every lookup. */
  clock?: Clock;
}

/** A verification key found in a DID document. */
export interface ResolvedKey {
  /** Absolute DID URL of the verification method. */
  id: string;
  /** The DID that controls it (the document's id). */
  did: string;
  publicKey: PublicKey;
}

/** Resolves DIDs to documents and DID URLs to keys, with a TTL cache. */
export interface DidResolver {
  /**
   * Resolves a DID (fragment ignored) to its validated document.
   */
  resolve(did: string): Promise<DidDocument>;
  /**
   * Resolves a DID URL (`did…#fragment`) to the key it names, checking that the document
   * authorises it for `relationship`.
   */
  resolveKey(didUrl: string, relationship: VerificationRelationship): Promise<ResolvedKey>;
  /** Drops every cached document. */
  clear(): void;
}

interface CacheEntry {
  expires: number;
  doc: DidDocument;
  keys: Map<string, PublicKey>;
}

const DID_SYNTAX = /^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$/;

function absolute(did: string, id: string): string {
  return id.startsWith('#') ? `${did}${id}` : id;
}

function validateDocument(did: string, value: unknown): DidDocument {
  if (!isRecord(value)) throw new MalformedInputError(`DID document of ${did} is not an object`, { check: 'document' });
  if (value.id !== did) throw new MalformedInputError(`DID document id does not equal ${did}`, { check: 'document_id' });
  const vms = value.verificationMethod;
  if (vms !== undefined && !(Array.isArray(vms) && vms.every((vm) => isRecord(vm) && typeof vm.id === 'string' && typeof vm.type === 'string'))) {
    throw new MalformedInputError(`DID document of ${did} has malformed verificationMethod`, { check: 'document' });
  }
  for (const rel of ['authentication', 'assertionMethod', 'capabilityDelegation', 'capabilityInvocation'] as const) {
    const list = value[rel];
    if (list !== undefined && !(Array.isArray(list) && list.every((e) => typeof e === 'string' || (isRecord(e) && typeof e.id === 'string')))) {
      throw new MalformedInputError(`DID document of ${did} has malformed ${rel}`, { check: 'document' });
    }
  }
  return value as unknown as DidDocument;
}

/**
 * A DID resolver for did:key (offline, with core's key decoding: {@link didKeyDocument}) and did:web (HTTPS; plain
 * HTTP on loopback only when asked), built on did-resolver. Documents are validated
 * (`id` must equal the DID), size-limited, and cached with a TTL; concurrent resolutions
 * of one DID share a fetch. Failures are typed: `unknown_did`, `did_unreachable`,
 * `malformed_input`, `input_too_large`, `unknown_key`, `key_not_authorized`.
 *
 * @example
 * ```ts
 * const resolver = createDidResolver({ cacheTtlMs: 60_000 });
 * const { publicKey } = await resolver.resolveKey('did:web:acme.example#key-1', 'assertionMethod');
 * ```
 */
export function createDidResolver(options: DidResolverOptions = {}): DidResolver {
  const ttl = options.cacheTtlMs ?? 300_000;
  const maxEntries = options.maxCacheEntries ?? 1_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxCacheEntries must be a positive integer');
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxDocumentBytes ?? 65_536;
  const clock = options.clock;
  // Refused at creation too, so a misconfigured resolver fails at start-up, not at its first lookup.
  if (clock !== undefined) readClock(clock);
  const cache = new BoundedMap<string, CacheEntry>(maxEntries);
  const inflight = new Map<string, Promise<CacheEntry>>();

  const web = async (did: string): Promise<DIDResolutionResult> => {
    const url = didWebDocumentUrl(did, { allowHttpLoopback: options.allowHttpLoopback });
    const { status, body } = await fetchBounded(url, {
      timeoutMs,
      maxBytes,
      what: `DID document of ${did} at ${url}`,
      accept: 'application/did+json, application/json',
      unreachable: DidUnreachableError,
    });
    if (status === 404 || status === 410) throw new UnknownDidError(`${did}: no DID document at ${url} (HTTP ${status})`);
    if (status !== 200) throw new DidUnreachableError(`${did}: ${url} answered HTTP ${status}`);
    const text = bytesToUtf8(body, `DID document of ${did}`);
    const doc = parseJson(text, { maxBytes, maxDepth: 16, what: `DID document of ${did}` });
    return { didResolutionMetadata: { contentType: 'application/did+json' }, didDocument: doc as never, didDocumentMetadata: {} };
  };

  const key = async (did: string): Promise<DIDResolutionResult> => ({
    didResolutionMetadata: { contentType: 'application/did+json' },
    didDocument: didKeyDocument(did) as never,
    didDocumentMetadata: {},
  });

  const registry = new Resolver({ key, web });

  const load = async (did: string): Promise<CacheEntry> => {
    if (did.startsWith('did:key:')) publicKeyFromDidKey(did);
    const result = await registry.resolve(did);
    const error = result.didResolutionMetadata.error;
    if (error === 'unsupportedDidMethod') throw new UnknownDidError(`${did.slice(0, 64)}: DID method is not supported`);
    if (error === 'invalidDid') throw new MalformedInputError(`${did.slice(0, 64)} is not a valid DID`, { check: 'did_syntax' });
    if (error || !result.didDocument) throw new UnknownDidError(`${did.slice(0, 64)} cannot be resolved (${String(error)})`);
    const doc = validateDocument(did, result.didDocument);
    const entry: CacheEntry = { expires: readClock(clock) + ttl, doc, keys: new Map() };
    if (ttl > 0) cache.set(did, entry);
    return entry;
  };

  const entryFor = (didOrUrl: string): Promise<CacheEntry> => {
    if (typeof didOrUrl !== 'string') return Promise.reject(new MalformedInputError('DID is not a string', { check: 'did_syntax' }));
    const hash = didOrUrl.indexOf('#');
    const did = hash < 0 ? didOrUrl : didOrUrl.slice(0, hash);
    if (did.length > 2048 || !DID_SYNTAX.test(did)) {
      return Promise.reject(new MalformedInputError(`${did.slice(0, 64)} is not a valid DID`, { check: 'did_syntax' }));
    }
    const hit = cache.get(did);
    let now: number;
    try {
      now = readClock(clock);
    } catch (error) {
      return Promise.reject(error);
    }
    if (hit && hit.expires > now) return Promise.resolve(hit);
    if (hit) cache.delete(did);
    const pending = inflight.get(did);
    if (pending) return pending;
    const run = load(did).finally(() => inflight.delete(did));
    inflight.set(did, run);
    return run;
  };

  return {
    async resolve(did) {
      return (await entryFor(did)).doc;
    },
    async resolveKey(didUrl, relationship) {
      if (typeof didUrl !== 'string' || !didUrl.includes('#')) {
        throw new MalformedInputError('key id must be a DID URL with a fragment', { check: 'key_id' });
      }
      const entry = await entryFor(didUrl);
      const { doc } = entry;
      const cached = entry.keys.get(`${relationship} ${didUrl}`);
      if (cached) return { id: didUrl, did: doc.id, publicKey: cached };
      const find = (list: (string | VerificationMethod)[] | undefined) =>
        list?.find((e) => absolute(doc.id, typeof e === 'string' ? e : e.id) === didUrl);
      const listed = find(doc.verificationMethod);
      const authorised = find(doc[relationship]);
      if (!listed && !authorised) throw new UnknownKeyError(`${didUrl} is not in the DID document`);
      if (!authorised) throw new KeyNotAuthorizedError(`${didUrl} is not authorised for ${relationship}`);
      const vm = typeof authorised === 'string' ? listed : authorised;
      if (!vm || typeof vm === 'string') throw new UnknownKeyError(`${didUrl} is referenced but not defined in the DID document`);
      // A did:key carries its key in the identifier itself: take it from there.
      const publicKey = doc.id.startsWith('did:key:') ? publicKeyFromDidKey(doc.id) : publicKeyFromVerificationMethod(vm);
      entry.keys.set(`${relationship} ${didUrl}`, publicKey);
      return { id: didUrl, did: doc.id, publicKey };
    },
    clear() {
      cache.clear();
    },
  };
}
