import {
  MalformedInputError,
  type ParsedJws,
  type PublicKey,
  UntrustedIssuerError,
  bytesToUtf8,
  isRecord,
  parseCompactJws,
  parseJson,
  verifyJwsSignature,
} from '@agent-id/core';
import type { VerificationRelationship } from './document.js';
import type { DidResolver } from './resolver.js';

/** A JWT whose signature by its issuer's DID key was verified; its claims are not checked yet. */
export interface SignedDidJwt {
  jws: ParsedJws;
  payload: Record<string, unknown>;
  issuer: string;
  keyId: string;
  publicKey: PublicKey;
}

/** Options shared by the JWT verifiers of this package. */
export interface DidJwtOptions {
  relationship: VerificationRelationship;
  maxBytes: number;
  what: string;
  /** Issuers allowed; checked before any resolution so untrusted DIDs are never fetched. */
  trustedIssuers?: readonly string[];
}

/**
 * Verifies a JWT signed by a DID's key in the fixed order: type → size → parse →
 * algorithm allow-list → issuer trust → key id under the issuer → key resolution with
 * its verification relationship → key/algorithm match → signature. Internal to the
 * package's credential and presentation verifiers.
 */
export async function verifyDidJwtSignature(jwt: unknown, resolver: DidResolver, options: DidJwtOptions): Promise<SignedDidJwt> {
  const { what } = options;
  const jws = parseCompactJws(jwt, { maxBytes: options.maxBytes, what });
  if (jws.header.typ !== undefined && jws.header.typ !== 'JWT') {
    throw new MalformedInputError(`${what} header typ must be "JWT"`, { check: 'header' });
  }
  const payload = parseJson(bytesToUtf8(jws.payload, `${what} payload`), { maxBytes: options.maxBytes, maxDepth: 12, what: `${what} payload` });
  if (!isRecord(payload)) throw new MalformedInputError(`${what} payload is not a JSON object`);
  const issuer = payload.iss;
  if (typeof issuer !== 'string' || !issuer.startsWith('did:')) throw new MalformedInputError(`${what} "iss" is not a DID`, { check: 'issuer' });
  if (options.trustedIssuers && !options.trustedIssuers.includes(issuer)) {
    throw new UntrustedIssuerError(`${what} issuer ${issuer.slice(0, 100)} is not in the trust list`);
  }
  const kid = jws.header.kid;
  if (typeof kid !== 'string' || kid.split('#')[0] !== issuer || !kid.includes('#')) {
    throw new MalformedInputError(`${what} header "kid" must be a DID URL of the issuer`, { check: 'key_id' });
  }
  const { publicKey } = await resolver.resolveKey(kid, options.relationship);
  verifyJwsSignature(jws, publicKey, what);
  return { jws, payload, issuer, keyId: kid, publicKey };
}
