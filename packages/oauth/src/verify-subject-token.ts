import {
  AgentIdError,
  type Clock,
  ExpiredError,
  InvalidSignatureError,
  MalformedInputError,
  NotYetValidError,
  UnknownKeyError,
  UnreachableError,
  UnsupportedAlgorithmError,
  UntrustedIssuerError,
  WrongAudienceError,
  readClock,
  readClockTolerance,
} from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import { KeyObject } from 'node:crypto';
import { type JSONWebKeySet, type JWTVerifyGetKey, createLocalJWKSet, createRemoteJWKSet, errors } from 'jose';
import { type DecodedJwt, decodeJwt } from './decode-jwt.js';
import { verifiesJws } from './jws-signature.js';
import { TOKEN_TYPES } from './token-types.js';

/** An identity provider whose users' tokens the service accepts. */
export interface TrustedIdentityProvider {
  /** Its issuer identifier, exactly as its tokens' `iss` and its metadata's `issuer` spell it. */
  issuer: string;
  /** The audience its tokens must name: this service's client id at the provider (ID tokens), or its resource identifier (access tokens). */
  audience: string | readonly string[];
  /** Its keys. Default: fetched from `jwks_uri` (given, or read from its OpenID / RFC 8414 metadata). */
  jwks?: JSONWebKeySet;
  jwksUri?: string;
  /** Signature algorithms accepted from it. Default `RS256`, `PS256`, `ES256`, `EdDSA`; `none` never. */
  algorithms?: readonly string[];
}

/** Options of {@link verifySubjectToken}. */
export interface VerifySubjectTokenOptions {
  /** `urn:ietf:params:oauth:token-type:id_token`, or `access_token` / `jwt` for an RFC 9068 access token. */
  tokenType: string;
  clock?: Clock;
  /** Seconds of skew allowed on `exp`, `nbf` and `iat`. Default 5. */
  clockToleranceSec?: number;
}

/** What {@link verifySubjectToken} verified about the user. */
export interface VerifiedSubjectToken {
  issuer: string;
  subject: string;
  /** `id_token` or `access_token`. */
  kind: 'id_token' | 'access_token';
  /** Expiry, seconds since the epoch. */
  expiresAt: number;
  /** The scopes an access token carries (`scope`); undefined for an ID token. */
  scopes?: string[];
  /** The `may_act` claim's `sub` (RFC 8693 §4.4), when the token restricts who may act for the user. */
  mayAct?: { sub: string; iss?: string };
}

const DEFAULT_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const MAX_TOKEN_CHARS = 16_384;
const keySets = new WeakMap<TrustedIdentityProvider, Promise<JWTVerifyGetKey>>();
// jose's key sets hand back the same imported key for a JWK each time: its node:crypto form is made once.
const nativeKeys = new WeakMap<object, KeyObject>();

async function discoverJwksUri(issuer: string): Promise<string> {
  const base = issuer.endsWith('/') ? issuer.slice(0, -1) : issuer;
  let metadata: unknown;
  try {
    const response = await fetch(`${base}/.well-known/openid-configuration`, { redirect: 'error', signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`status ${response.status}`);
    metadata = await response.json();
  } catch (cause) {
    throw new UnreachableError('the identity provider\'s metadata could not be read', { check: 'issuer_metadata', cause });
  }
  // OpenID Connect Discovery §4.3: the metadata must name the issuer it was fetched for.
  if (!isRecord(metadata) || metadata.issuer !== issuer || typeof metadata.jwks_uri !== 'string') {
    throw new UntrustedIssuerError('the identity provider\'s metadata names another issuer or no jwks_uri', { check: 'issuer_metadata' });
  }
  return metadata.jwks_uri;
}

function keySetOf(provider: TrustedIdentityProvider): Promise<JWTVerifyGetKey> {
  let set = keySets.get(provider);
  if (set === undefined) {
    set = (async () => {
      if (provider.jwks !== undefined) return createLocalJWKSet(provider.jwks);
      return createRemoteJWKSet(new URL(provider.jwksUri ?? (await discoverJwksUri(provider.issuer))), { timeoutDuration: 5000 });
    })();
    // A failed discovery is tried again next time rather than remembered.
    set.catch(() => keySets.delete(provider));
    keySets.set(provider, set);
  }
  return set;
}

function keyCoded(error: unknown): Error {
  if (error instanceof errors.JWKSNoMatchingKey) return new UnknownKeyError('no key of the issuer matches the subject token', { check: 'subject_key' });
  if (error instanceof errors.JOSENotSupported || error instanceof errors.JWKInvalid) return new UnknownKeyError('the issuer\'s key for the subject token cannot be used', { check: 'subject_key' });
  // A timeout, an unreadable JWKS, a failed fetch: the keys could not be read, whatever the token.
  return new UnreachableError('the issuer\'s keys could not be read', { check: 'issuer_keys', cause: error });
}

function nativeKey(key: unknown): KeyObject {
  if (key instanceof KeyObject) return key;
  if (typeof key !== 'object' || key === null) throw new UnknownKeyError('the issuer\'s key for the subject token cannot be used', { check: 'subject_key' });
  let native = nativeKeys.get(key);
  if (native === undefined) {
    try {
      native = KeyObject.from(key as Parameters<typeof KeyObject.from>[0]);
    } catch {
      // A secret (an `oct` JWK) or anything but an asymmetric public key: never a key for a subject token.
      throw new UnknownKeyError('the issuer\'s key for the subject token cannot be used', { check: 'subject_key' });
    }
    if (native.type !== 'public') throw new UnknownKeyError('the issuer\'s key for the subject token is not a public key', { check: 'subject_key' });
    nativeKeys.set(key, native);
  }
  return native;
}

/** The issuer's keys jose's key set selects for the token's header (`kid`, `alg`, key type): one, or every candidate when several match. */
async function candidateKeys(keySet: JWTVerifyGetKey, header: DecodedJwt['header'], token: string): Promise<KeyObject[]> {
  const [protectedHeader, payload, signature] = token.split('.');
  try {
    return [nativeKey(await keySet(header as Parameters<JWTVerifyGetKey>[0], { payload: payload!, signature: signature!, protected: protectedHeader! }))];
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw keyCoded(error);
    const keys: KeyObject[] = [];
    for await (const key of error as unknown as AsyncIterable<unknown>) keys.push(nativeKey(key));
    return keys;
  }
}

function timeClaim(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new MalformedInputError(`the subject token's "${name}" claim is not a time`, { check: 'subject_claims' });
  return value;
}

/** RFC 7519 §4.1 checks on a token whose signature verified, as jose's `jwtVerify` makes them. */
function checkClaims(payload: DecodedJwt['claims'], provider: TrustedIdentityProvider, nowSeconds: number, tolerance: number): void {
  if (payload.iss !== provider.issuer) throw new UntrustedIssuerError('the subject token is from another issuer', { check: 'subject_issuer' });
  const audiences = typeof provider.audience === 'string' ? [provider.audience] : provider.audience;
  const aud = typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
  if (!aud.some((a) => typeof a === 'string' && audiences.includes(a))) throw new WrongAudienceError('the subject token is for another audience', { check: 'subject_audience' });
  const exp = timeClaim(payload.exp, 'exp');
  const nbf = timeClaim(payload.nbf, 'nbf');
  const iat = timeClaim(payload.iat, 'iat');
  if (exp === undefined) throw new MalformedInputError('the subject token has no "exp"', { check: 'subject_claims' });
  if (exp <= nowSeconds - tolerance) throw new ExpiredError('the subject token has expired', { check: 'subject_expiry' });
  if ((nbf !== undefined && nbf > nowSeconds + tolerance) || (iat !== undefined && iat > nowSeconds + tolerance)) {
    throw new NotYetValidError('the subject token is not valid yet', { check: 'subject_not_before' });
  }
}

function readMayAct(value: unknown): VerifiedSubjectToken['mayAct'] {
  if (value === undefined) return undefined;
  if (!isRecord(value) || typeof value.sub !== 'string' || (value.iss !== undefined && typeof value.iss !== 'string')) {
    throw new MalformedInputError('the subject token\'s "may_act" claim is not an object with a string "sub"', { check: 'may_act' });
  }
  return { sub: value.sub, ...(typeof value.iss === 'string' ? { iss: value.iss } : {}) };
}

/**
 * Verifies a user's token from a trusted identity provider with jose: it picks the provider
 * its `iss` names (`untrusted_issuer`, check `subject_issuer`, for any other), refuses an
 * algorithm outside that provider's allow-list before anything else (`alg: none` included;
 * `unsupported_algorithm`), then checks the signature against the provider's JWKS
 * (`invalid_signature`, `unknown_key`), `iss`, `aud` (`wrong_audience`), `exp` (`expired`)
 * and `nbf`, and the `typ` that tells an RFC 9068 access token (`at+jwt`) from an ID token,
 * so one is never taken for the other (`malformed_input`, check `subject_type`).
 *
 * @example
 * ```ts
 * const user = await verifySubjectToken(idToken, [{ issuer: 'https://login.acme.example', audience: 'token-service' }], { tokenType: TOKEN_TYPES.idToken });
 * ```
 */
export async function verifySubjectToken(token: unknown, providers: readonly TrustedIdentityProvider[], options: VerifySubjectTokenOptions): Promise<VerifiedSubjectToken> {
  const now = readClock(options.clock);
  const tolerance = readClockTolerance(options.clockToleranceSec, 5);
  const kind = options.tokenType === TOKEN_TYPES.idToken ? 'id_token' : options.tokenType === TOKEN_TYPES.accessToken || options.tokenType === TOKEN_TYPES.jwt ? 'access_token' : undefined;
  if (kind === undefined) throw new MalformedInputError('subject_token_type is not an ID token or a JWT access token', { check: 'subject_token_type' });
  if (typeof token !== 'string' || token.length === 0) throw new MalformedInputError('the subject token is not a string', { check: 'subject_token' });
  if (token.length > MAX_TOKEN_CHARS) throw new MalformedInputError(`the subject token is longer than ${MAX_TOKEN_CHARS} characters`, { check: 'subject_token' });
  const decoded = decodeJwt(token);
  if (decoded === undefined) throw new MalformedInputError('the subject token is not a JWT', { check: 'subject_token' });
  const { header, claims } = decoded;
  const provider = providers.find((p) => p.issuer === claims.iss);
  if (provider === undefined) throw new UntrustedIssuerError('the subject token is from an issuer this service does not trust', { check: 'subject_issuer' });
  const algorithms = [...(provider.algorithms ?? DEFAULT_ALGORITHMS)].filter((a) => a !== 'none');
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
    throw new UnsupportedAlgorithmError(`the subject token's algorithm is not allowed for its issuer`, { check: 'subject_algorithm' });
  }
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase().replace(/^application\//, '') : undefined;
  if ((kind === 'access_token') !== (typ === 'at+jwt')) {
    throw new MalformedInputError(kind === 'access_token' ? 'the subject token is not an RFC 9068 access token (typ at+jwt)' : 'the subject token is an access token, not an ID token', { check: 'subject_type' });
  }
  // jose's rule: a critical header this verifier does not understand fails the token, and it understands none.
  if (header.crit !== undefined || header.b64 !== undefined) throw new MalformedInputError('the subject token has a critical or b64 header this service does not process', { check: 'subject_token' });
  const keySet = await keySetOf(provider).catch((error: unknown) => {
    throw error instanceof AgentIdError ? error : keyCoded(error);
  });
  const keys = await candidateKeys(keySet, header, token);
  // Signed by the issuer's key before any claim is believed: with node:crypto, synchronously.
  if (!keys.some((key) => verifiesJws(token, header.alg as string, key))) throw new InvalidSignatureError('the subject token\'s signature does not verify', { check: 'subject_signature' });
  const payload = claims;
  checkClaims(payload, provider, Math.floor(now / 1000), tolerance);
  if (typeof payload.sub !== 'string' || payload.sub === '' || typeof payload.exp !== 'number') {
    throw new MalformedInputError('the subject token has no "sub" or "exp"', { check: 'subject_claims' });
  }
  const scopes = kind === 'access_token' ? (typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : []) : undefined;
  const mayAct = readMayAct(payload.may_act);
  return { issuer: provider.issuer, subject: payload.sub, kind, expiresAt: payload.exp, ...(scopes ? { scopes } : {}), ...(mayAct ? { mayAct } : {}) };
}
