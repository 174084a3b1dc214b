import { randomUUID } from 'node:crypto';
import {
  type Clock,
  ExpiredError,
  MalformedInputError,
  NotYetValidError,
  RevokedError,
  UntrustedIssuerError,
  WrongSubjectError,
  base64urlEncode,
  readClock,
  readClockTolerance,
  toEpochMillis,
} from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import { createJWT } from 'did-jwt';
import { assertTrustedIssuer, parseDidJwt, verifyDidJwtSignature } from './did-jwt-signature.js';
import type { AgentIdentity } from './identity.js';
import type { DidResolver } from './resolver.js';

/** The credential type agent-id issues. */
export const OWNERSHIP_CREDENTIAL_TYPE = 'AgentOwnershipCredential';
const VC_CONTEXT = 'https://www.w3.org/2018/credentials/v1';

/** What an organisation states about an agent. */
export interface OwnershipClaims {
  /** The agent's DID. */
  agent: string;
  /** The user on whose behalf the agent acts, if any. */
  onBehalfOf?: string;
  agentName?: string;
  agentVersion?: string;
}

/** Options for {@link issueOwnershipCredential}. */
export interface IssueOwnershipOptions extends OwnershipClaims {
  /** Start of validity (default: now). */
  validFrom?: Date | string | number;
  /** End of validity; or give `ttlMs`. */
  validUntil?: Date | string | number;
  /** Lifetime from `validFrom`, default 30 days. */
  ttlMs?: number;
  /** Credential id (default `urn:uuid:<random>`); revoke by this id. */
  id?: string;
  /** Time source (default the system clock); one giving no usable time is `bad_clock`. */
  clock?: Clock;
}

/**
 * Issues a W3C Verifiable Credential in JWT form (VC-JWT, signed with did-jwt) stating
 * that the organisation (the issuer) operates the agent, optionally on behalf of a user.
 *
 * @example
 * ```ts
 * const vc = await issueOwnershipCredential(acme, { agent: planner.did, onBehalfOf: 'did:web:acme.example:users:alice', agentName: 'planner', ttlMs: 86_400_000 });
 * ```
 */
export async function issueOwnershipCredential(issuer: Pick<AgentIdentity, 'did' | 'keyId' | 'keyPair'>, options: IssueOwnershipOptions): Promise<string> {
  if (typeof options.agent !== 'string' || !options.agent.startsWith('did:')) throw new TypeError('agent must be a DID');
  const nowMs = readClock(options.clock);
  const from = Math.floor(toEpochMillis(options.validFrom ?? nowMs) / 1000);
  const until = options.validUntil !== undefined ? Math.floor(toEpochMillis(options.validUntil) / 1000) : from + Math.floor((options.ttlMs ?? 30 * 86_400_000) / 1000);
  if (until <= from) throw new TypeError('validUntil must be after validFrom');
  const id = options.id ?? `urn:uuid:${randomUUID()}`;
  const subject: Record<string, string> = { id: options.agent, operator: issuer.did };
  if (options.onBehalfOf !== undefined) subject.onBehalfOf = options.onBehalfOf;
  if (options.agentName !== undefined) subject.agentName = options.agentName;
  if (options.agentVersion !== undefined) subject.agentVersion = options.agentVersion;
  const payload = {
    sub: options.agent,
    jti: id,
    iat: Math.floor(nowMs / 1000),
    nbf: from,
    exp: until,
    vc: { '@context': [VC_CONTEXT], type: ['VerifiableCredential', OWNERSHIP_CREDENTIAL_TYPE], id, credentialSubject: subject },
  };
  const signer = async (data: string | Uint8Array) =>
    base64urlEncode(issuer.keyPair.sign(typeof data === 'string' ? new TextEncoder().encode(data) : data));
  return createJWT(payload, { issuer: issuer.did, signer }, { alg: issuer.keyPair.algorithm, typ: 'JWT', kid: issuer.keyId });
}

/** Options for {@link verifyOwnershipCredential}. */
export interface VerifyOwnershipOptions {
  /** Organisation DIDs whose credentials are accepted. Required. */
  trustedIssuers: readonly string[];
  /** The agent DID the credential must be about. */
  subject?: string;
  /** Revocation check by credential id. */
  isRevoked?: (credentialId: string) => boolean | Promise<boolean>;
  /** Time source (default the system clock); one giving no usable time is `bad_clock`. */
  clock?: Clock;
  /** Allowed clock skew, seconds, 0 to 86,400. Default 0; anything else is `bad_clock` (check `clock_tolerance`). */
  clockToleranceSec?: number;
  /** Largest accepted credential, bytes. Default 8,192. */
  maxBytes?: number;
}

/** Verified facts of an ownership credential. */
export interface VerifiedOwnershipCredential {
  id: string;
  /** The organisation (operator) that issued it. */
  issuer: string;
  agent: string;
  onBehalfOf?: string;
  agentName?: string;
  agentVersion?: string;
  /** Validity window, epoch milliseconds. */
  validFrom: number;
  validUntil: number;
  /** DID URL of the key that signed it. */
  keyId: string;
}

// Seconds since the epoch that a Date can represent (±8.64e12 s).
function isTimestamp(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 8.64e12;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > 512) throw new MalformedInputError(`credential ${name} is not a string`, { check: 'claims' });
  return value;
}

/**
 * Verifies an ownership credential: size → parse → algorithm allow-list → issuer in the
 * trust list → key resolved from the issuer's DID (assertionMethod) → signature →
 * credential type and shape → validity window → subject → revocation. Throws a coded
 * error for the first failed check.
 *
 * @example
 * ```ts
 * const vc = await verifyOwnershipCredential(jwt, resolver, { trustedIssuers: ['did:web:acme.example'], subject: agentDid });
 * vc.issuer; vc.onBehalfOf;
 * ```
 */
export async function verifyOwnershipCredential(
  jwt: unknown,
  resolver: DidResolver,
  options: VerifyOwnershipOptions,
): Promise<VerifiedOwnershipCredential> {
  if (!Array.isArray(options?.trustedIssuers)) throw new TypeError('trustedIssuers must be an array of DIDs');
  const parsed = parseDidJwt(jwt, { maxBytes: options.maxBytes ?? 8_192, what: 'credential' });
  // Trust is checked on the claimed issuer before resolution, so untrusted DIDs are never fetched.
  assertTrustedIssuer(parsed, options.trustedIssuers);
  const signed = await verifyDidJwtSignature(parsed, resolver, 'assertionMethod');
  const { payload } = signed;
  const vc = payload.vc;
  if (!isRecord(vc) || !Array.isArray(vc.type) || !vc.type.includes('VerifiableCredential') || !vc.type.includes(OWNERSHIP_CREDENTIAL_TYPE)) {
    throw new MalformedInputError(`credential is not a ${OWNERSHIP_CREDENTIAL_TYPE}`, { check: 'credential_type' });
  }
  const cs = vc.credentialSubject;
  if (!isRecord(cs)) throw new MalformedInputError('credentialSubject is not an object', { check: 'claims' });
  const agent = payload.sub;
  if (typeof agent !== 'string' || !agent.startsWith('did:') || (cs.id !== undefined && cs.id !== agent)) {
    throw new MalformedInputError('credential subject is not a consistent DID', { check: 'subject' });
  }
  if (agent === signed.issuer) throw new UntrustedIssuerError('credential is self-issued: an agent cannot vouch for itself', { check: 'self_issued' });
  if (cs.operator !== undefined && cs.operator !== signed.issuer) {
    throw new MalformedInputError('credential operator differs from its issuer', { check: 'claims' });
  }
  const id = payload.jti;
  if (typeof id !== 'string' || id.length === 0 || id.length > 512 || (vc.id !== undefined && vc.id !== id)) {
    throw new MalformedInputError('credential id is missing or inconsistent', { check: 'claims' });
  }
  const { nbf, exp } = payload;
  if (!isTimestamp(exp)) throw new MalformedInputError('credential has no valid expiry ("exp")', { check: 'expiry' });
  if (nbf !== undefined && !isTimestamp(nbf)) throw new MalformedInputError('credential "nbf" is not a valid time', { check: 'not_before' });
  const now = readClock(options.clock) / 1000;
  const skew = readClockTolerance(options.clockToleranceSec, 0);
  if (typeof nbf === 'number' && now + skew < nbf) throw new NotYetValidError(`credential is valid from ${new Date(nbf * 1000).toISOString()}`);
  if (now - skew >= exp) throw new ExpiredError(`credential expired at ${new Date(exp * 1000).toISOString()}`);
  if (options.subject !== undefined && options.subject !== agent) {
    throw new WrongSubjectError('credential is about another agent');
  }
  if (options.isRevoked && (await options.isRevoked(id))) throw new RevokedError(`credential ${id.slice(0, 80)} is revoked`);
  const verified: VerifiedOwnershipCredential = {
    id,
    issuer: signed.issuer,
    agent,
    validFrom: typeof nbf === 'number' ? nbf * 1000 : typeof payload.iat === 'number' ? payload.iat * 1000 : 0,
    validUntil: exp * 1000,
    keyId: signed.keyId,
  };
  const onBehalfOf = optionalString(cs.onBehalfOf, 'onBehalfOf');
  const agentName = optionalString(cs.agentName, 'agentName');
  const agentVersion = optionalString(cs.agentVersion, 'agentVersion');
  if (onBehalfOf !== undefined) verified.onBehalfOf = onBehalfOf;
  if (agentName !== undefined) verified.agentName = agentName;
  if (agentVersion !== undefined) verified.agentVersion = agentVersion;
  return verified;
}
