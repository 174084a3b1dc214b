import {
  type Clock,
  ExpiredError,
  MalformedInputError,
  NotYetValidError,
  RevokedError,
  StatusUnavailableError,
  UntrustedIssuerError,
  WrongSubjectError,
  base64urlEncode,
  readClock,
  readClockTolerance,
  signCompactJws,
  toEpochMillis,
} from '@agent-id/core';
import { isRecord, randomUUID, utf8ToBytes } from '@agent-id/core/internal';
import { checkCredentialStatus } from './check-credential-status.js';
import type { CredentialStatusEntry } from './credential-status-entry.js';
import { assertTrustedIssuer, parseDidJwt, verifyDidJwtSignature } from './did-jwt-signature.js';
import type { AgentIdentity } from './identity.js';
import type { DidResolver } from './resolver.js';
import type { StatusListResolver } from './status-list-resolver.js';
import type { StatusList } from './status-list.js';
import { VC_V2_CONTEXT, assertV2Context, dateTimeStamp, readDateTimeStamp } from './vcdm2.js';

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
  /**
   * The workload identity the agent runs as (a SPIFFE ID, `spiffe://trust-domain/path`): it
   * binds the agent's DID to the JWT-SVIDs its workload is issued, so a token service can take
   * an SVID as the agent's actor token.
   */
  workload?: string;
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
  /**
   * The organisation's status lists (at most one per purpose): an index is allocated at
   * random in each and the credential carries a `BitstringStatusListEntry` for it, so it can
   * be revoked (and suspended) later.
   */
  status?: StatusList | readonly StatusList[];
  /**
   * `'1.1'` (default): a VC-JWT with the credential in the `vc` claim (VCDM 1.1; what
   * did-jwt-vc and earlier agent-id verify). `'2.0'`: the VCDM 2.0 credential itself as the
   * payload of a JWT with `typ: vc+jwt` (VC-JOSE-COSE), `validFrom`/`validUntil` inside.
   */
  dataModel?: '1.1' | '2.0';
}

/**
 * Issues a W3C Verifiable Credential in JWT form stating that the organisation (the issuer)
 * operates the agent, optionally on behalf of a user: VC-JWT (VCDM 1.1, as did-jwt writes it)
 * by default, or VCDM 2.0 secured as a `vc+jwt` (VC-JOSE-COSE) with `dataModel: '2.0'`. With
 * `status`, it carries a status entry in each list given.
 *
 * @example
 * ```ts
 * const vc = await issueOwnershipCredential(acme, { agent: planner.did, onBehalfOf: 'did:web:acme.example:users:alice', agentName: 'planner', ttlMs: 86_400_000 });
 * ```
 */
export async function issueOwnershipCredential(issuer: Pick<AgentIdentity, 'did' | 'keyId' | 'keyPair'>, options: IssueOwnershipOptions): Promise<string> {
  if (typeof issuer?.did !== 'string' || !issuer.did.startsWith('did:') || typeof issuer.keyId !== 'string') throw new TypeError('issuer must be an identity with a DID and a key id');
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
  if (options.workload !== undefined) {
    if (typeof options.workload !== 'string' || options.workload.length === 0 || options.workload.length > 2048) throw new TypeError('workload must be a URI of at most 2048 characters');
    subject.workload = options.workload;
  }
  const dataModel = options.dataModel ?? '1.1';
  if (dataModel !== '1.1' && dataModel !== '2.0') throw new TypeError('dataModel must be "1.1" or "2.0"');
  const lists = options.status === undefined ? [] : Array.isArray(options.status) ? (options.status as readonly StatusList[]) : [options.status as StatusList];
  for (const list of lists) {
    if (typeof list?.allocate !== 'function') throw new TypeError('status must be StatusList objects');
    if (list.issuer.did !== issuer.did) throw new TypeError(`status list ${list.url} belongs to another issuer`);
  }
  if (new Set(lists.map((l) => l.statusPurpose)).size !== lists.length) throw new TypeError('status takes at most one list per purpose');
  const credentialStatus: CredentialStatusEntry[] = [];
  for (const list of lists) credentialStatus.push(await list.allocate());
  if (dataModel === '2.0') {
    const credential: Record<string, unknown> = {
      '@context': [VC_V2_CONTEXT],
      id,
      type: ['VerifiableCredential', OWNERSHIP_CREDENTIAL_TYPE],
      issuer: issuer.did,
      validFrom: dateTimeStamp(from * 1000),
      validUntil: dateTimeStamp(until * 1000),
      credentialSubject: subject,
    };
    if (credentialStatus.length > 0) credential.credentialStatus = credentialStatus;
    return signCompactJws({ typ: 'vc+jwt', kid: issuer.keyId }, utf8ToBytes(JSON.stringify(credential)), issuer.keyPair);
  }
  const vc: Record<string, unknown> = { '@context': [VC_CONTEXT], type: ['VerifiableCredential', OWNERSHIP_CREDENTIAL_TYPE], id, credentialSubject: subject };
  if (credentialStatus.length > 0) vc.credentialStatus = credentialStatus.length === 1 ? credentialStatus[0] : credentialStatus;
  // Laid out as did-jwt's createJWT wrote them (header `alg, typ, kid`; claims `iat, exp, …,
  // iss`), so credentials stay byte-identical to those issued with it, without bundling it.
  const header = { alg: issuer.keyPair.algorithm, typ: 'JWT', kid: issuer.keyId };
  const payload = { iat: Math.floor(nowMs / 1000), exp: until, sub: options.agent, jti: id, nbf: from, vc, iss: issuer.did };
  const signingInput = `${base64urlEncode(JSON.stringify(header))}.${base64urlEncode(JSON.stringify(payload))}`;
  return `${signingInput}.${base64urlEncode(issuer.keyPair.sign(utf8ToBytes(signingInput)))}`;
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
  /**
   * Checks the credential's `credentialStatus` against its issuer's status lists
   * ({@link createStatusListResolver}). A credential carrying a status entry is refused with
   * `status_unavailable` when this is not given: its status is never skipped.
   */
  statusLists?: StatusListResolver;
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
  /** The workload identity (SPIFFE ID) the credential binds the agent to, as written; the relying party checks its syntax. */
  workload?: string;
  /** Validity window, epoch milliseconds. */
  validFrom: number;
  validUntil: number;
  /** DID URL of the key that signed it. */
  keyId: string;
  /** `'1.1'` (VC-JWT, `vc` claim) or `'2.0'` (VCDM 2.0 as a `vc+jwt`). */
  dataModel: '1.1' | '2.0';
  /** The status entries checked (present when the credential has any), to check again later with {@link checkCredentialStatus}. */
  credentialStatus?: CredentialStatusEntry[];
}

// Seconds since the epoch that a Date can represent (±8.64e12 s).
function isTimestamp(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 8.64e12;
}

function optionalString(value: unknown, name: string, maxLength = 512): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > maxLength) throw new MalformedInputError(`credential ${name} is not a string`, { check: 'claims' });
  return value;
}

/**
 * Verifies an ownership credential, VC-JWT (VCDM 1.1) or VCDM 2.0 `vc+jwt`, with the same
 * checks: size → parse → algorithm allow-list → issuer in the trust list → key resolved from
 * the issuer's DID (assertionMethod) → signature → credential type and shape → validity
 * window → subject → `isRevoked` → status list (`statusLists`: `revoked`, `suspended`,
 * `status_unavailable`, check `credential_status`). Throws a coded error for the first failed
 * check.
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
  const parsed = parseDidJwt(jwt, { maxBytes: options.maxBytes ?? 8_192, what: 'credential', allowVcJwt: true });
  // Trust is checked on the claimed issuer before resolution, so untrusted DIDs are never fetched.
  assertTrustedIssuer(parsed, options.trustedIssuers);
  const signed = await verifyDidJwtSignature(parsed, resolver, 'assertionMethod');
  const { payload } = signed;
  const v2 = signed.typ === 'vc+jwt';
  if (v2) assertV2Context(payload['@context'], 'credential');
  const vc = v2 ? payload : payload.vc;
  if (!isRecord(vc) || !Array.isArray(vc.type) || !vc.type.includes('VerifiableCredential') || !vc.type.includes(OWNERSHIP_CREDENTIAL_TYPE)) {
    throw new MalformedInputError(`credential is not a ${OWNERSHIP_CREDENTIAL_TYPE}`, { check: 'credential_type' });
  }
  const cs = vc.credentialSubject;
  if (!isRecord(cs)) throw new MalformedInputError('credentialSubject is not an object', { check: 'claims' });
  // 1.1 names the subject in `sub` (and may repeat it in the subject); 2.0 in the subject (and may repeat it in `sub`).
  const agent = v2 ? cs.id : payload.sub;
  const echo = v2 ? payload.sub : cs.id;
  if (typeof agent !== 'string' || !agent.startsWith('did:') || (echo !== undefined && echo !== agent)) {
    throw new MalformedInputError('credential subject is not a consistent DID', { check: 'subject' });
  }
  if (agent === signed.issuer) throw new UntrustedIssuerError('credential is self-issued: an agent cannot vouch for itself', { check: 'self_issued' });
  if (cs.operator !== undefined && cs.operator !== signed.issuer) {
    throw new MalformedInputError('credential operator differs from its issuer', { check: 'claims' });
  }
  const id = v2 ? vc.id : payload.jti;
  const idEcho = v2 ? payload.jti : vc.id;
  if (typeof id !== 'string' || id.length === 0 || id.length > 512 || (idEcho !== undefined && idEcho !== id)) {
    throw new MalformedInputError('credential id is missing or inconsistent', { check: 'claims' });
  }
  const { nbf, exp } = payload;
  if (!v2 && !isTimestamp(exp)) throw new MalformedInputError('credential has no valid expiry ("exp")', { check: 'expiry' });
  if (exp !== undefined && !isTimestamp(exp)) throw new MalformedInputError('credential "exp" is not a valid time', { check: 'expiry' });
  if (nbf !== undefined && !isTimestamp(nbf)) throw new MalformedInputError('credential "nbf" is not a valid time', { check: 'not_before' });
  // The window in ms; a 2.0 credential's own dates, narrowed by JWT `nbf`/`exp` when it also has them.
  let fromMs = typeof nbf === 'number' ? nbf * 1000 : undefined;
  let untilMs = typeof exp === 'number' ? exp * 1000 : Number.POSITIVE_INFINITY;
  if (v2) {
    if (vc.validUntil === undefined) throw new MalformedInputError('credential has no validUntil', { check: 'expiry' });
    untilMs = Math.min(untilMs, readDateTimeStamp(vc.validUntil, 'credential validUntil', 'expiry'));
    if (vc.validFrom !== undefined) fromMs = Math.max(fromMs ?? 0, readDateTimeStamp(vc.validFrom, 'credential validFrom', 'not_before'));
  }
  const now = readClock(options.clock);
  const skew = readClockTolerance(options.clockToleranceSec, 0) * 1000;
  if (fromMs !== undefined && now + skew < fromMs) throw new NotYetValidError(`credential is valid from ${new Date(fromMs).toISOString()}`);
  if (now - skew >= untilMs) throw new ExpiredError(`credential expired at ${new Date(untilMs).toISOString()}`);
  if (options.subject !== undefined && options.subject !== agent) {
    throw new WrongSubjectError('credential is about another agent');
  }
  if (options.isRevoked && (await options.isRevoked(id))) throw new RevokedError(`credential ${id.slice(0, 80)} is revoked`);
  let credentialStatus: CredentialStatusEntry[] | undefined;
  if (vc.credentialStatus !== undefined) {
    if (options.statusLists === undefined) {
      throw new StatusUnavailableError('credential carries a credentialStatus and no statusLists were given to check it');
    }
    credentialStatus = await checkCredentialStatus(vc.credentialStatus, signed.issuer, options.statusLists);
  }
  const verified: VerifiedOwnershipCredential = {
    id,
    issuer: signed.issuer,
    agent,
    validFrom: fromMs ?? (typeof payload.iat === 'number' ? payload.iat * 1000 : 0),
    validUntil: untilMs,
    keyId: signed.keyId,
    dataModel: v2 ? '2.0' : '1.1',
  };
  if (credentialStatus !== undefined) verified.credentialStatus = credentialStatus;
  const onBehalfOf = optionalString(cs.onBehalfOf, 'onBehalfOf');
  const agentName = optionalString(cs.agentName, 'agentName');
  const agentVersion = optionalString(cs.agentVersion, 'agentVersion', 512);
  const workload = optionalString(cs.workload, 'workload', 2048);
  if (workload !== undefined) verified.workload = workload;
  if (onBehalfOf !== undefined) verified.onBehalfOf = onBehalfOf;
  if (agentName !== undefined) verified.agentName = agentName;
  if (agentVersion !== undefined) verified.agentVersion = agentVersion;
  return verified;
}
