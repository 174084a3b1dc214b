import { MalformedInputError } from '@agent-id/core';

const MAX_TRUST_DOMAIN = 255;
const TRUST_DOMAIN = /^[a-z0-9._-]+$/;

/**
 * Checks a trust domain name (SPIFFE-ID §2.1): not empty, at most 255 characters, only
 * lowercase letters, digits, dots, dashes and underscores (so no userinfo, port, percent
 * encoding or upper case). Refusals are `malformed_input`, check `trust_domain`.
 *
 * @example
 * ```ts
 * parseTrustDomain('acme.example'); // 'acme.example'
 * ```
 */
export function parseTrustDomain(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new MalformedInputError('the trust domain name is empty or not a string', { check: 'trust_domain' });
  if (value.length > MAX_TRUST_DOMAIN) throw new MalformedInputError(`the trust domain name is longer than ${MAX_TRUST_DOMAIN} characters`, { check: 'trust_domain' });
  if (!TRUST_DOMAIN.test(value)) {
    throw new MalformedInputError('the trust domain name has a character outside lowercase letters, digits, ".", "-" and "_"', { check: 'trust_domain' });
  }
  return value;
}
