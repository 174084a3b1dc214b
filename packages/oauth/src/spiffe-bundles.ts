import { type KeyObject, createPublicKey } from 'node:crypto';
import type { JWK } from 'jose';
import { parseTrustDomain } from './trust-domain.js';

/** A SPIFFE bundle (SPIFFE Trust Domain and Bundle §4): a JWK Set, its JWT-SVID keys marked `use: "jwt-svid"` with a `kid`. */
export interface SpiffeBundle {
  keys: readonly JWK[];
  spiffe_sequence?: number;
  spiffe_refresh_hint?: number;
}

/** The bundles a verifier trusts, by trust domain name (as the `trust_domains` of a SPIFFE bundle map). */
export type SpiffeBundles = Readonly<Record<string, SpiffeBundle>>;

/** One JWT-SVID key of a bundle, imported once. */
export interface BundleKey {
  kid: string;
  kty: 'RSA' | 'EC';
  crv?: string;
  alg?: string;
  key: KeyObject;
}

const prepared = new WeakMap<SpiffeBundles, ReadonlyMap<string, readonly BundleKey[]>>();

function usable(jwk: unknown): BundleKey | undefined {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return undefined;
  const k = jwk as Record<string, unknown>;
  // §4.2.2 and JWT-SVID §6.2: only `jwt-svid` keys authenticate JWT-SVIDs; every other element is ignored.
  if (k.use !== 'jwt-svid' || typeof k.kid !== 'string' || k.kid === '' || (k.kty !== 'RSA' && k.kty !== 'EC')) return undefined;
  // A bundle carries public keys only: an element with private members is not one to trust.
  if (k.d !== undefined) return undefined;
  if (k.alg !== undefined && typeof k.alg !== 'string') return undefined;
  let key: KeyObject;
  try {
    const { use: _use, key_ops: _ops, ...pub } = k;
    key = createPublicKey({ key: pub as import('node:crypto').JsonWebKey, format: 'jwk' });
  } catch {
    return undefined;
  }
  return { kid: k.kid, kty: k.kty, ...(typeof k.crv === 'string' ? { crv: k.crv } : {}), ...(typeof k.alg === 'string' ? { alg: k.alg } : {}), key };
}

/**
 * @internal The JWT-SVID keys of each trust domain's bundle, imported once per bundle map.
 * Trust domain names are checked (`malformed_input`, check `trust_domain`), and a bundle
 * without a `keys` array is refused (TypeError): both are configuration, found at start.
 * Elements that are not JWT-SVID keys, or not valid public keys, are left out, as the
 * bundle specification says; a domain left with none authenticates no SVID.
 */
export function readSpiffeBundles(bundles: SpiffeBundles): ReadonlyMap<string, readonly BundleKey[]> {
  let map = prepared.get(bundles);
  if (map !== undefined) return map;
  if (typeof bundles !== 'object' || bundles === null) throw new TypeError('SPIFFE bundles must be an object keyed by trust domain name');
  const byDomain = new Map<string, readonly BundleKey[]>();
  for (const [domain, bundle] of Object.entries(bundles)) {
    parseTrustDomain(domain);
    if (typeof bundle !== 'object' || bundle === null || !Array.isArray(bundle.keys)) throw new TypeError(`the SPIFFE bundle of ${domain.slice(0, 255)} has no "keys" array`);
    byDomain.set(domain, bundle.keys.map(usable).filter((k): k is BundleKey => k !== undefined));
  }
  map = byDomain;
  prepared.set(bundles, map);
  return map;
}
