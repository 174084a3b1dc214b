import {
  MalformedInputError,
  type ParsedJws,
  type PublicKey,
  UntrustedIssuerError,
  parseCompactJws,
  verifyJwsSignatureAsync,
} from '@agent-id/core';
import { bytesToUtf8, isRecord, parseJson } from '@agent-id/core/internal';
import type { VerificationRelationship } from './document.js';
import type { DidResolver } from './resolver.js';

/** A JWT issued by a DID, parsed but not verified. */
export interface ParsedDidJwt {
  jws: ParsedJws;
  payload: Record<string, unknown>;
  issuer: string;
  keyId: string;
  what: string;
  /** `JWT` (claims in the payload, VC-JWT 1.1) or `vc+jwt` (the credential is the payload, VC-JOSE-COSE). */
  typ: 'JWT' | 'vc+jwt';
}

/** A {@link ParsedDidJwt} whose signature by its issuer's key was verified. */
export interface SignedDidJwt extends ParsedDidJwt {
  publicKey: PublicKey;
}

/**
 * Parses a JWT issued by a DID in the fixed order: type → size → parse → algorithm
 * allow-list → payload → issuer is a DID → key id is a DID URL of the issuer. Resolves
 * nothing, so callers can run cheap checks (trust list, audience, nonce) before any
 * network access. Internal to this package's verifiers.
 */
export function parseDidJwt(jwt: unknown, options: { maxBytes: number; what: string; allowVcJwt?: boolean }): ParsedDidJwt {
  const { what } = options;
  const jws = parseCompactJws(jwt, { maxBytes: options.maxBytes, what });
  const vcJwt = options.allowVcJwt === true && jws.header.typ === 'vc+jwt';
  if (jws.header.typ !== undefined && jws.header.typ !== 'JWT' && !vcJwt) {
    throw new MalformedInputError(`${what} header typ must be "JWT"${options.allowVcJwt ? ' or "vc+jwt"' : ''}`, { check: 'header' });
  }
  const payload = parseJson(bytesToUtf8(jws.payload, `${what} payload`), { maxBytes: options.maxBytes, maxDepth: 12, what: `${what} payload` });
  if (!isRecord(payload)) throw new MalformedInputError(`${what} payload is not a JSON object`);
  // VC-JOSE-COSE: the issuer is the credential's own `issuer` (a URL or an object with an id);
  // a JWT `iss` beside it must say the same.
  const stated = vcJwt ? (isRecord(payload.issuer) ? payload.issuer.id : payload.issuer) : payload.iss;
  if (vcJwt && payload.iss !== undefined && payload.iss !== stated) {
    throw new MalformedInputError(`${what} "iss" differs from its issuer`, { check: 'issuer' });
  }
  const issuer = stated;
  if (typeof issuer !== 'string' || !issuer.startsWith('did:')) throw new MalformedInputError(`${what} issuer is not a DID`, { check: 'issuer' });
  const kid = jws.header.kid;
  if (typeof kid !== 'string' || kid.split('#')[0] !== issuer || !kid.includes('#')) {
    throw new MalformedInputError(`${what} header "kid" must be a DID URL of the issuer`, { check: 'key_id' });
  }
  return { jws, payload, issuer, keyId: kid, what, typ: vcJwt ? 'vc+jwt' : 'JWT' };
}

/**
 * Throws `untrusted_issuer` unless the parsed JWT's issuer is in the list.
 */
export function assertTrustedIssuer(parsed: ParsedDidJwt, trustedIssuers: readonly string[]): void {
  if (!trustedIssuers.includes(parsed.issuer)) {
    throw new UntrustedIssuerError(`${parsed.what} issuer ${parsed.issuer.slice(0, 100)} is not in the trust list`);
  }
}

/**
 * Resolves the key the JWT names, checking its verification relationship, then the
 * key/algorithm match and the signature.
 */
export async function verifyDidJwtSignature(parsed: ParsedDidJwt, resolver: DidResolver, relationship: VerificationRelationship): Promise<SignedDidJwt> {
  const { publicKey } = await resolver.resolveKey(parsed.keyId, relationship);
  await verifyJwsSignatureAsync(parsed.jws, publicKey, `${parsed.what} signature`);
  return { ...parsed, publicKey };
}
