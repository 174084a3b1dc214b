/**
 * Every refusal in agent-id is an {@link AgentIdError} with a stable, literal `code`
 * and a `check` naming the verification step that failed. Match on `code`, never on
 * `message`.
 *
 * @module errors
 */

/**
 * Every stable error code, in one list: the {@link ErrorCode} union is derived from it, so a
 * reader of codes sent by a peer (a refusal read back from a server) checks against the same
 * list the throwers use.
 *
 * @example
 * ```ts
 * import { ERROR_CODES } from '@agent-id/core';
 * console.log(ERROR_CODES.includes('expired')); // true
 * ```
 */
export const ERROR_CODES = Object.freeze([
  'malformed_input',
  'input_too_large',
  'unsupported_algorithm',
  'key_mismatch',
  'invalid_signature',
  'expired',
  'not_yet_valid',
  'wrong_audience',
  'wrong_subject',
  'wrong_task',
  'unknown_did',
  'unknown_key',
  'key_not_authorized',
  'did_unreachable',
  'unreachable',
  'untrusted_issuer',
  'untrusted_signer',
  'host_mismatch',
  'signature_required',
  'scope_widened',
  'depth_exceeded',
  'revoked',
  'suspended',
  'status_unavailable',
  'replayed',
  'request_mismatch',
  'unknown_challenge',
  'denied',
  'holder_mismatch',
  'audit_chain_broken',
  'resource_limit',
  'bad_clock',
  'nonce_required',
  'credential_required',
  'revocation_stale',
  'internal',
] as const);

/** Stable error codes. New codes may be added; existing ones never change meaning. */
export type ErrorCode = (typeof ERROR_CODES)[number];

const CODE_SET: ReadonlySet<string> = new Set(ERROR_CODES);

/**
 * Whether `value` is one of the stable {@link ErrorCode}s: for codes that arrive from
 * elsewhere (a peer's refusal), before they are trusted as one.
 *
 * @example
 * ```ts
 * import { isErrorCode } from '@agent-id/core';
 * isErrorCode('expired'); // true
 * isErrorCode('teapot'); // false
 * ```
 */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && CODE_SET.has(value);
}

interface ErrorOptions {
  /** The verification step that failed, e.g. `signature`, `expiry`, `audience`. */
  check?: string;
  cause?: unknown;
}

/**
 * Base class of every error the agent-id packages throw for bad input.
 *
 * @example
 * ```ts
 * import { AgentIdError } from '@agent-id/core';
 * try { await verify(token) } catch (e) {
 *   if (e instanceof AgentIdError && e.code === 'expired') renew();
 * }
 * ```
 */
export class AgentIdError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** The check that failed. */
  readonly check: string;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.check = options.check ?? code;
    this.name = new.target.name;
  }

  /** JSON view: code, check and message only (never a token or key). */
  toJSON(): { name: string; code: ErrorCode; check: string; message: string } {
    return { name: this.name, code: this.code, check: this.check, message: this.message };
  }
}

function defineError<C extends ErrorCode>(code: C, defaultCheck: string) {
  return class extends AgentIdError {
    declare readonly code: C;
    static readonly code: C = code;
    constructor(message: string, options: ErrorOptions = {}) {
      super(code, message, { check: defaultCheck, ...options });
    }
  };
}

/**
 * Input that does not parse or does not have the expected shape.
 * @example
 * ```ts
 * throw new MalformedInputError('token is not base64url', { check: 'parse' });
 * ```
 */
export class MalformedInputError extends defineError('malformed_input', 'parse') {}
/**
 * Input larger than the configured limit; refused before parsing.
 * @example
 * ```ts
 * throw new InputTooLargeError('token exceeds 16384 bytes');
 * ```
 */
export class InputTooLargeError extends defineError('input_too_large', 'size_limit') {}
/**
 * Algorithm outside the allow-list (including `none`).
 * @example
 * ```ts
 * throw new UnsupportedAlgorithmError('alg "none" is not allowed');
 * ```
 */
export class UnsupportedAlgorithmError extends defineError('unsupported_algorithm', 'algorithm') {}
/**
 * Key type does not match the declared algorithm, or a key is of the wrong kind.
 * @example
 * ```ts
 * throw new KeyMismatchError('ES256 signature but Ed25519 key');
 * ```
 */
export class KeyMismatchError extends defineError('key_mismatch', 'key_algorithm') {}
/**
 * Signature verification failed.
 * @example
 * ```ts
 * throw new InvalidSignatureError('credential signature does not verify');
 * ```
 */
export class InvalidSignatureError extends defineError('invalid_signature', 'signature') {}
/**
 * Validity window ended.
 * @example
 * ```ts
 * throw new ExpiredError('token expired at 2026-01-01T00:00:00Z');
 * ```
 */
export class ExpiredError extends defineError('expired', 'expiry') {}
/**
 * Validity window not yet started.
 * @example
 * ```ts
 * throw new NotYetValidError('credential valid from 2030-01-01T00:00:00Z');
 * ```
 */
export class NotYetValidError extends defineError('not_yet_valid', 'not_before') {}
/**
 * Audience is not the verifier.
 * @example
 * ```ts
 * throw new WrongAudienceError('audience is did:web:a, expected did:web:b');
 * ```
 */
export class WrongAudienceError extends defineError('wrong_audience', 'audience') {}
/**
 * Subject is not the expected one.
 * @example
 * ```ts
 * throw new WrongSubjectError('credential subject is not the presenting agent');
 * ```
 */
export class WrongSubjectError extends defineError('wrong_subject', 'subject') {}
/**
 * Task id does not match.
 * @example
 * ```ts
 * throw new WrongTaskError('token is for task t-1, request is for t-2');
 * ```
 */
export class WrongTaskError extends defineError('wrong_task', 'task') {}
/**
 * DID method unsupported or DID not found.
 * @example
 * ```ts
 * throw new UnknownDidError('did:example:1 cannot be resolved');
 * ```
 */
export class UnknownDidError extends defineError('unknown_did', 'resolve') {}
/**
 * A key id (DID URL) names no verification method in the resolved document.
 * @example
 * ```ts
 * throw new UnknownKeyError('did:web:a#key-9 is not in the DID document');
 * ```
 */
export class UnknownKeyError extends defineError('unknown_key', 'key_id') {}
/**
 * The key exists but is not authorised for the needed verification relationship.
 * @example
 * ```ts
 * throw new KeyNotAuthorizedError('did:web:a#key-2 is not an assertionMethod');
 * ```
 */
export class KeyNotAuthorizedError extends defineError('key_not_authorized', 'verification_relationship') {}
/**
 * DID document host unreachable, timed out or answered with an error.
 * @example
 * ```ts
 * throw new DidUnreachableError('did:web:example.com timed out after 5000 ms');
 * ```
 */
export class DidUnreachableError extends defineError('did_unreachable', 'resolve') {}
/**
 * A remote resource (other than a DID document) is unreachable, timed out, redirected or
 * answered with an HTTP error.
 * @example
 * ```ts
 * throw new UnreachableError('https://globex.example/.well-known/agent-card.json timed out', { check: 'fetch' });
 * ```
 */
export class UnreachableError extends defineError('unreachable', 'fetch') {}
/**
 * Issuer not in the caller's trust list.
 * @example
 * ```ts
 * throw new UntrustedIssuerError('issuer did:web:evil is not trusted');
 * ```
 */
export class UntrustedIssuerError extends defineError('untrusted_issuer', 'issuer_trust') {}
/**
 * Signer not allowed by the trust policy.
 * @example
 * ```ts
 * throw new UntrustedSignerError('no trusted signature on the card');
 * ```
 */
export class UntrustedSignerError extends defineError('untrusted_signer', 'signer_trust') {}
/**
 * A URL host does not match the signer's domain.
 * @example
 * ```ts
 * throw new HostMismatchError('card url host a.example is not signer host b.example');
 * ```
 */
export class HostMismatchError extends defineError('host_mismatch', 'host') {}
/**
 * A signature is required but absent.
 * @example
 * ```ts
 * throw new SignatureRequiredError('card carries no signature');
 * ```
 */
export class SignatureRequiredError extends defineError('signature_required', 'signature_present') {}
/**
 * An attenuation would widen authority.
 * @example
 * ```ts
 * throw new ScopeWidenedError('action "delete" is not granted by the parent');
 * ```
 */
export class ScopeWidenedError extends defineError('scope_widened', 'narrowing') {}
/**
 * Delegation depth exhausted.
 * @example
 * ```ts
 * throw new DepthExceededError('max depth 0 allows no further delegation');
 * ```
 */
export class DepthExceededError extends defineError('depth_exceeded', 'depth') {}
/**
 * Revoked token, agent, user or credential.
 * @example
 * ```ts
 * throw new RevokedError('credential urn:uuid:1 is revoked');
 * ```
 */
export class RevokedError extends defineError('revoked', 'revocation') {}
/**
 * A credential whose status list marks it suspended: refused until the issuer reinstates it.
 * @example
 * ```ts
 * throw new SuspendedError('credential urn:uuid:1 is suspended');
 * ```
 */
export class SuspendedError extends defineError('suspended', 'credential_status') {}
/**
 * A credential's status cannot be known: its status list could not be fetched, or the
 * last one fetched is older than the verifier accepts. Refused rather than guessed.
 * @example
 * ```ts
 * throw new StatusUnavailableError('status list https://acme.example/status/1 unreachable for 10 min');
 * ```
 */
export class StatusUnavailableError extends defineError('status_unavailable', 'credential_status') {}
/**
 * A one-time value (nonce) was seen before.
 * @example
 * ```ts
 * throw new ReplayedError('nonce already used');
 * ```
 */
export class ReplayedError extends defineError('replayed', 'nonce') {}
/**
 * A signed presentation was bound to another request than the one it came with.
 * @example
 * ```ts
 * throw new RequestMismatchError('presentation signs a different request');
 * ```
 */
export class RequestMismatchError extends defineError('request_mismatch', 'request_binding') {}
/**
 * A challenge the verifier never issued (or already expired).
 * @example
 * ```ts
 * throw new UnknownChallengeError('nonce was not issued by this verifier');
 * ```
 */
export class UnknownChallengeError extends defineError('unknown_challenge', 'nonce') {}
/**
 * The request is not within the granted authority.
 * @example
 * ```ts
 * throw new DeniedError('action "write" on "db:orders" is not granted');
 * ```
 */
export class DeniedError extends defineError('denied', 'authorization') {}
/**
 * The presenter is not the holder the token was delegated to.
 * @example
 * ```ts
 * throw new HolderMismatchError('token delegated to did:key:a, presented by did:key:b');
 * ```
 */
export class HolderMismatchError extends defineError('holder_mismatch', 'holder') {}
/**
 * An audit log's hash chain is broken.
 * @example
 * ```ts
 * throw new AuditChainBrokenError('record 4: hash does not match content', { check: 'record_hash' });
 * ```
 */
export class AuditChainBrokenError extends defineError('audit_chain_broken', 'hash_chain') {
  /** 1-based line number of the first bad record, when known. */
  line?: number;
}
/**
 * A run limit (time, facts, iterations, memory) was hit while evaluating.
 * @example
 * ```ts
 * throw new ResourceLimitError('authorizer exceeded 10000 facts');
 * ```
 */
export class ResourceLimitError extends defineError('resource_limit', 'run_limit') {}
/**
 * The verifier's own clock gave no usable time (not a finite number of milliseconds from
 * 1970 to the end of year 9999, or it threw), or its clock tolerance is not a usable
 * number of seconds. Refused before any decision: a `NaN` time compares as "not expired"
 * everywhere, so deciding with it would silently switch expiry off.
 * @example
 * ```ts
 * throw new BadClockError('the clock returned NaN', { check: 'clock' });
 * ```
 */
export class BadClockError extends defineError('bad_clock', 'clock') {}
/**
 * The server demands a fresh nonce of its own in the request's proof of possession, and the
 * proof carries none, or one this server did not issue or no longer accepts (RFC 9449
 * `use_dpop_nonce`). The answer names a fresh nonce to retry with.
 * @example
 * ```ts
 * throw new NonceRequiredError('the proof carries no server nonce');
 * ```
 */
export class NonceRequiredError extends defineError('nonce_required', 'nonce') {}
/**
 * A request names no credential where one is needed: no capability token in
 * `Authorization`, or no ownership credential for an agent the server has not seen before.
 * @example
 * ```ts
 * throw new CredentialRequiredError('no Authorization header', { check: 'authorization' });
 * ```
 */
export class CredentialRequiredError extends defineError('credential_required', 'credential_present') {}
/**
 * A revocation store cannot vouch for what it knows: its feed has been silent or
 * disconnected for longer than its bound, or it has not caught up yet. Refused rather than
 * answered from a set that may miss a revocation.
 * @example
 * ```ts
 * throw new RevocationStaleError('no word from the revocation feed for 6 s (bound 5 s)');
 * ```
 */
export class RevocationStaleError extends defineError('revocation_stale', 'revocation_feed') {}
/**
 * An unexpected failure inside a dependency, mapped so callers still get a code.
 * @example
 * ```ts
 * throw new InternalError('biscuit module trapped', { cause: e });
 * ```
 */
export class InternalError extends defineError('internal', 'internal') {}

/**
 * True when `value` is an {@link AgentIdError}, optionally with the given code.
 *
 * @example
 * ```ts
 * if (isAgentIdError(e, 'revoked')) console.log('revoked:', e.check);
 * ```
 */
export function isAgentIdError(value: unknown, code?: ErrorCode): value is AgentIdError {
  return value instanceof AgentIdError && (code === undefined || value.code === code);
}
