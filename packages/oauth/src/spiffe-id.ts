import { InputTooLargeError, MalformedInputError } from '@agent-id/core';
import { parseTrustDomain } from './trust-domain.js';

/** A SPIFFE ID split into its trust domain name and path (empty, or `/`-separated segments). */
export interface SpiffeId {
  /** The whole ID, `spiffe://<trustDomain><path>`. */
  id: string;
  trustDomain: string;
  path: string;
}

const SCHEME = 'spiffe://';
const MAX_ID = 2048;
const SEGMENT = /^[a-zA-Z0-9._-]+$/;

/**
 * Parses a SPIFFE ID strictly by the SPIFFE-ID specification (§2): the `spiffe` scheme, a
 * trust domain name (see {@link parseTrustDomain}), no query or fragment, and a path whose
 * segments are neither empty nor `.`/`..`, hold only letters, digits, `.`, `-`, `_` (no
 * percent encoding) and end without a `/`; at most 2048 bytes in all. Refusals are
 * `malformed_input` (`input_too_large` past 2048), check `spiffe_id` (or `trust_domain`).
 *
 * @example
 * ```ts
 * parseSpiffeId('spiffe://acme.example/ns/agents/sa/analyst'); // { trustDomain: 'acme.example', path: '/ns/agents/sa/analyst', … }
 * ```
 */
export function parseSpiffeId(value: unknown): SpiffeId {
  if (typeof value !== 'string') throw new MalformedInputError('the SPIFFE ID is not a string', { check: 'spiffe_id' });
  if (value.length > MAX_ID) throw new InputTooLargeError(`the SPIFFE ID is longer than ${MAX_ID} bytes`, { check: 'spiffe_id' });
  if (!value.startsWith(SCHEME)) throw new MalformedInputError('the SPIFFE ID does not start with "spiffe://"', { check: 'spiffe_id' });
  const rest = value.slice(SCHEME.length);
  if (rest.includes('?') || rest.includes('#')) throw new MalformedInputError('a SPIFFE ID has no query or fragment', { check: 'spiffe_id' });
  const slash = rest.indexOf('/');
  const trustDomain = parseTrustDomain(slash === -1 ? rest : rest.slice(0, slash));
  const path = slash === -1 ? '' : rest.slice(slash);
  if (path !== '') {
    for (const segment of path.slice(1).split('/')) {
      if (segment === '') throw new MalformedInputError('the SPIFFE ID path has an empty segment or a trailing "/"', { check: 'spiffe_id' });
      if (segment === '.' || segment === '..') throw new MalformedInputError('the SPIFFE ID path has a "." or ".." segment', { check: 'spiffe_id' });
      if (!SEGMENT.test(segment)) throw new MalformedInputError('the SPIFFE ID path has a character outside letters, digits, ".", "-" and "_"', { check: 'spiffe_id' });
    }
  }
  return { id: value, trustDomain, path };
}
