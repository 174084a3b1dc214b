import { MalformedInputError, type PublicKey, UnknownDidError } from '@agent-id/core';
import type { DidDocument, VerificationMethod } from './document.js';

const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$/i;
const PATH_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Where a did:web document lives. */
export interface DidWebLocation {
  /** `host` or `host:port`. */
  host: string;
  /** Path segments after the host. */
  path: string[];
  /** The URL path to serve the document at: `/.well-known/did.json` or `/a/b/did.json`. */
  documentPath: string;
}

/**
 * Parses a did:web (without fragment) into host, path and document path. Malformed
 * identifiers are `malformed_input`; other methods `unknown_did`.
 *
 * @example
 * ```ts
 * parseDidWeb('did:web:example.com:user:alice').documentPath; // '/user/alice/did.json'
 * ```
 */
export function parseDidWeb(did: string): DidWebLocation {
  if (typeof did !== 'string' || !did.startsWith('did:web:')) throw new UnknownDidError(`${typeof did === 'string' ? did.slice(0, 64) : `a ${typeof did}`} is not a did:web`);
  if (did.length > 2048) throw new MalformedInputError('did:web identifier is too long', { check: 'did_syntax' });
  const [hostPart, ...segments] = did.slice('did:web:'.length).split(':');
  let host: string;
  try {
    host = decodeURIComponent(hostPart ?? '');
  } catch {
    throw new MalformedInputError('did:web host is not valid percent-encoding', { check: 'did_syntax' });
  }
  if (!HOST.test(host)) throw new MalformedInputError('did:web host is malformed', { check: 'did_syntax' });
  if (!segments.every((s) => PATH_SEGMENT.test(s) && s !== '.' && s !== '..')) throw new MalformedInputError('did:web path is malformed', { check: 'did_syntax' });
  const documentPath = segments.length ? `/${segments.join('/')}/did.json` : '/.well-known/did.json';
  return { host: host.toLowerCase(), path: segments, documentPath };
}

/**
 * Whether a host (with optional port) is a loopback address.
 * @example
 * ```ts
 * isLoopbackHost('127.0.0.1:8080'); // true
 * ```
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  return LOOPBACK.has(name.toLowerCase());
}

/**
 * The URL a did:web document is fetched from: HTTPS, or plain HTTP only for a loopback
 * host when `allowHttpLoopback` is set.
 *
 * @example
 * ```ts
 * didWebDocumentUrl('did:web:example.com'); // 'https://example.com/.well-known/did.json'
 * ```
 */
export function didWebDocumentUrl(did: string, options: { allowHttpLoopback?: boolean } = {}): string {
  const { host, documentPath } = parseDidWeb(did);
  const scheme = options.allowHttpLoopback && isLoopbackHost(host) ? 'http' : 'https';
  return `${scheme}://${host}${documentPath}`;
}

/**
 * The did:web for a domain (`host` or `host:port`) and optional path segments.
 *
 * @example
 * ```ts
 * didWebFromDomain('127.0.0.1:8080', ['agents', 'planner']); // 'did:web:127.0.0.1%3A8080:agents:planner'
 * ```
 */
export function didWebFromDomain(domain: string, path: string | readonly string[] = []): string {
  const segments = typeof path === 'string' ? path.split('/').filter(Boolean) : [...path];
  const did = ['did:web', encodeURIComponent(domain.toLowerCase()), ...segments].join(':');
  parseDidWeb(did);
  return did;
}

/** One key to publish in a DID document. */
export interface PublishedKey {
  publicKey: PublicKey;
  /** Fragment, default `key-1`, `key-2`, … */
  fragment?: string;
}

/**
 * A DID document for a did:web with JsonWebKey2020 verification methods, each authorised
 * for authentication, assertion, capability delegation and invocation.
 *
 * @example
 * ```ts
 * const doc = createDidWebDocument('did:web:acme.example', [{ publicKey: kp.publicKey }]);
 * ```
 */
export function createDidWebDocument(
  did: string,
  keys: readonly PublishedKey[],
  options: { services?: DidDocument['service']; alsoKnownAs?: string[] } = {},
): DidDocument {
  parseDidWeb(did);
  if (keys.length === 0) throw new TypeError('a DID document needs at least one key');
  const methods: VerificationMethod[] = keys.map((k, i) => ({
    id: `${did}#${k.fragment ?? `key-${i + 1}`}`,
    type: 'JsonWebKey2020',
    controller: did,
    publicKeyJwk: k.publicKey.toJwk(),
  }));
  const ids = methods.map((m) => m.id);
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
    id: did,
    ...(options.alsoKnownAs ? { alsoKnownAs: options.alsoKnownAs } : {}),
    verificationMethod: methods,
    authentication: ids,
    assertionMethod: ids,
    capabilityDelegation: ids,
    capabilityInvocation: ids,
    ...(options.services ? { service: options.services } : {}),
  };
}
