import {
  type Clock,
  ExpiredError,
  MalformedInputError,
  NotYetValidError,
  UntrustedIssuerError,
  readClock,
  readClockTolerance,
  signCompactJws,
  toEpochMillis,
} from '@agent-id/core';
import { isRecord, utf8ToBytes } from '@agent-id/core/internal';
import { type StatusPurpose, STATUS_PURPOSES } from './credential-status-entry.js';
import { parseDidJwt, verifyDidJwtSignature } from './did-jwt-signature.js';
import type { AgentIdentity } from './identity.js';
import type { DidResolver } from './resolver.js';
import { STATUS_LIST_MIN_LENGTH, decodeStatusList, encodeStatusList } from './status-list-encoding.js';
import { VC_V2_CONTEXT, assertV2Context, dateTimeStamp, readDateTimeStamp } from './vcdm2.js';

/** The credential type of a status list. */
export const STATUS_LIST_CREDENTIAL_TYPE = 'BitstringStatusListCredential';

/** Options for {@link issueStatusListCredential}. */
export interface IssueStatusListOptions {
  /** The URL the list is served at: the credential's `id`, and what entries point to. */
  id: string;
  statusPurpose: StatusPurpose;
  /** The bitstring, at least {@link STATUS_LIST_MIN_LENGTH} bits; index 0 is the first byte's top bit. */
  bits: Uint8Array;
  /** Start of validity (default now). */
  validFrom?: Date | string | number;
  /** How long the signed list stays valid, ms. Default 86,400,000 (1 day). */
  validityMs?: number;
  /** How long verifiers may cache it (`ttl`, ms). Default 300,000 (5 min). */
  ttlMs?: number;
  /** Time source (default the system clock); one giving no usable time is `bad_clock`. */
  clock?: Clock;
}

/**
 * Signs a status list as a `BitstringStatusListCredential` (W3C Bitstring Status List v1.0,
 * VC Data Model 2.0) secured as a JWT per VC-JOSE-COSE (`typ: vc+jwt`, the credential is the
 * payload). Serve it at `options.id` with `application/vc+jwt`.
 *
 * @example
 * ```ts
 * const jwt = await issueStatusListCredential(acme, { id: 'https://acme.example/status/revocation', statusPurpose: 'revocation', bits });
 * ```
 */
export async function issueStatusListCredential(issuer: Pick<AgentIdentity, 'did' | 'keyId' | 'keyPair'>, options: IssueStatusListOptions): Promise<string> {
  if (typeof options?.id !== 'string' || !URL.canParse(options.id)) throw new TypeError('id must be the URL the list is served at');
  if (!STATUS_PURPOSES.includes(options.statusPurpose)) throw new TypeError('statusPurpose must be "revocation" or "suspension"');
  if (!(options.bits instanceof Uint8Array) || options.bits.length * 8 < STATUS_LIST_MIN_LENGTH) {
    throw new TypeError(`bits must be a Uint8Array of at least ${STATUS_LIST_MIN_LENGTH / 8} bytes`);
  }
  const now = readClock(options.clock);
  const from = toEpochMillis(options.validFrom ?? now);
  const ttl = options.ttlMs ?? 300_000;
  const credential = {
    '@context': [VC_V2_CONTEXT],
    id: options.id,
    type: ['VerifiableCredential', STATUS_LIST_CREDENTIAL_TYPE],
    issuer: issuer.did,
    validFrom: dateTimeStamp(from),
    validUntil: dateTimeStamp(from + (options.validityMs ?? 86_400_000)),
    credentialSubject: {
      id: `${options.id}#list`,
      type: 'BitstringStatusList',
      statusPurpose: options.statusPurpose,
      encodedList: await encodeStatusList(options.bits),
      ttl,
    },
  };
  return signCompactJws({ typ: 'vc+jwt', kid: issuer.keyId }, utf8ToBytes(JSON.stringify(credential)), issuer.keyPair);
}

/** Options for {@link verifyStatusListCredential}. */
export interface VerifyStatusListOptions {
  /** The issuer of the credential whose status is checked: the list must be issued by it. */
  issuer: string;
  /** The URL the list was fetched from: must equal the list credential's `id`. */
  id?: string;
  /** Largest accepted list credential, bytes. Default 1,048,576. */
  maxBytes?: number;
  /** Largest accepted bitstring after decompression, bytes. Default 2,097,152. */
  maxDecodedBytes?: number;
  /** Time source (default the system clock); one giving no usable time is `bad_clock`. */
  clock?: Clock;
  /** Allowed clock skew against the issuer's, seconds, 0 to 86,400. Default 0. */
  clockToleranceSec?: number;
}

/** A status list whose signature, issuer, validity and encoding were checked. */
export interface VerifiedStatusList {
  /** The list credential's id (its URL). */
  id: string;
  issuer: string;
  /** The purposes the list serves (`revocation`, `suspension`, or others this package does not act on). */
  statusPurposes: string[];
  /** The decoded bitstring; entry `i` is bit `7 - i % 8` of byte `i >> 3`. */
  bits: Uint8Array;
  /** Number of entries. */
  length: number;
  /** Validity window, epoch ms. */
  validFrom: number;
  validUntil?: number;
  /** The issuer's cache hint (`ttl`), ms, when given. */
  ttlMs?: number;
}

/**
 * Verifies a status list credential (as {@link issueStatusListCredential} makes them): `vc+jwt`
 * form → issuer is the expected one (`untrusted_issuer`, check `status_list_issuer`, before
 * any key is fetched) → type → `id` is the URL it came from (check `status_list_id`) → signature
 * by an `assertionMethod` key of the issuer → validity window (`expired` / `not_yet_valid`, check
 * `status_list_expiry`) → subject → `encodedList` decoded within the size limits (a GZIP bomb is
 * `input_too_large`).
 *
 * @example
 * ```ts
 * const list = await verifyStatusListCredential(jwt, resolver, { issuer: 'did:web:acme.example', id: url });
 * ```
 */
export async function verifyStatusListCredential(jwt: unknown, resolver: DidResolver, options: VerifyStatusListOptions): Promise<VerifiedStatusList> {
  if (typeof options?.issuer !== 'string') throw new TypeError('issuer must be the DID the list must be issued by');
  const maxBytes = options.maxBytes ?? 1_048_576;
  const parsed = parseDidJwt(jwt, { maxBytes, what: 'status list credential', allowVcJwt: true });
  if (parsed.typ !== 'vc+jwt') throw new MalformedInputError('status list credential header typ must be "vc+jwt"', { check: 'header' });
  if (parsed.issuer !== options.issuer) {
    throw new UntrustedIssuerError(`status list is issued by ${parsed.issuer.slice(0, 100)}, not by the credential's issuer`, { check: 'status_list_issuer' });
  }
  const { payload } = parsed;
  assertV2Context(payload['@context'], 'status list credential');
  if (!Array.isArray(payload.type) || !payload.type.includes('VerifiableCredential') || !payload.type.includes(STATUS_LIST_CREDENTIAL_TYPE)) {
    throw new MalformedInputError(`status list credential is not a ${STATUS_LIST_CREDENTIAL_TYPE}`, { check: 'credential_type' });
  }
  const id = payload.id;
  if (typeof id !== 'string' || (options.id !== undefined && id !== options.id)) {
    throw new MalformedInputError('status list credential id is not the URL it was fetched from', { check: 'status_list_id' });
  }
  await verifyDidJwtSignature(parsed, resolver, 'assertionMethod');
  const validFrom = readDateTimeStamp(payload.validFrom, 'status list validFrom', 'status_list_expiry');
  const validUntil = payload.validUntil === undefined ? undefined : readDateTimeStamp(payload.validUntil, 'status list validUntil', 'status_list_expiry');
  const now = readClock(options.clock);
  const skew = readClockTolerance(options.clockToleranceSec, 0) * 1000;
  if (now + skew < validFrom) throw new NotYetValidError(`status list is valid from ${new Date(validFrom).toISOString()}`, { check: 'status_list_expiry' });
  if (validUntil !== undefined && now - skew >= validUntil) {
    throw new ExpiredError(`status list expired at ${new Date(validUntil).toISOString()}`, { check: 'status_list_expiry' });
  }
  const subject = payload.credentialSubject;
  if (!isRecord(subject) || subject.type !== 'BitstringStatusList') {
    throw new MalformedInputError('status list credentialSubject is not a BitstringStatusList', { check: 'claims' });
  }
  // One purpose, or several (Bitstring Status List v1.0 allows a list to serve more than one).
  const purposes: unknown[] = Array.isArray(subject.statusPurpose) ? subject.statusPurpose : [subject.statusPurpose];
  if (purposes.length === 0 || purposes.length > 8 || !purposes.every((p): p is string => typeof p === 'string' && p.length > 0 && p.length <= 64)) {
    throw new MalformedInputError('status list statusPurpose is not one or a few purposes', { check: 'status_purpose' });
  }
  const ttl = subject.ttl;
  if (ttl !== undefined && !(typeof ttl === 'number' && Number.isSafeInteger(ttl) && ttl >= 0)) {
    throw new MalformedInputError('status list ttl is not a number of milliseconds', { check: 'claims' });
  }
  const bits = await decodeStatusList(subject.encodedList, { maxEncodedBytes: maxBytes, maxDecodedBytes: options.maxDecodedBytes });
  const list: VerifiedStatusList = { id, issuer: parsed.issuer, statusPurposes: purposes, bits, length: bits.length * 8, validFrom };
  if (validUntil !== undefined) list.validUntil = validUntil;
  if (ttl !== undefined) list.ttlMs = ttl;
  return list;
}
