import {
  type Clock,
  ExpiredError,
  MalformedInputError,
  ReplayedError,
  RequestMismatchError,
  UnknownChallengeError,
  WrongAudienceError,
  base64urlEncode,
  canonicalize,
  signCompactJws,
  readClock,
  readClockSeconds,
  systemClock,
} from '@agent-id/core';
import { BoundedMap, isRecord, randomBytes, sha256Hex, utf8ToBytes } from '@agent-id/core/internal';
import { type VerifiedOwnershipCredential, verifyOwnershipCredential } from './credential.js';
import { parseDidJwt, verifyDidJwtSignature } from './did-jwt-signature.js';
import type { AgentIdentity } from './identity.js';
import type { DidResolver } from './resolver.js';
import type { StatusListResolver } from './status-list-resolver.js';

/** A verifier's one-time challenge. */
export interface Challenge {
  nonce: string;
  /** The verifier's DID: the presentation must be addressed to it. */
  audience: string;
  /** Epoch milliseconds after which the challenge is void. */
  expiresAt: number;
}

/** Options for {@link ChallengeStore}. */
export interface ChallengeStoreOptions {
  /** The verifier's DID. */
  audience: string;
  /** Lifetime of a challenge, ms. Default 60,000. */
  ttlMs?: number;
  /** Most outstanding challenges; the oldest is dropped beyond it. Default 10,000. */
  maxOutstanding?: number;
  /** Time source (default the system clock); one giving no usable time is `bad_clock`, at construction and on every use. */
  clock?: Clock;
}

/**
 * Issues one-time challenges and consumes them exactly once: a nonce never issued is
 * `unknown_challenge`, one used before is `replayed`, one past its lifetime `expired`.
 *
 * @example
 * ```ts
 * const challenges = new ChallengeStore({ audience: 'did:web:api.acme.example' });
 * const challenge = challenges.issue(); // send to the agent
 * ```
 */
export class ChallengeStore {
  readonly audience: string;
  readonly #ttl: number;
  readonly #clock: Clock;
  readonly #open: BoundedMap<string, number>;
  readonly #used = new Map<string, number>();

  constructor(options: ChallengeStoreOptions) {
    if (typeof options?.audience !== 'string') throw new TypeError('audience must be the verifier DID');
    this.audience = options.audience;
    this.#ttl = options.ttlMs ?? 60_000;
    // NaN or Infinity would keep every challenge (and every used nonce) for ever.
    if (!Number.isSafeInteger(this.#ttl) || this.#ttl < 1) throw new TypeError('ttlMs must be a positive integer');
    const max = options.maxOutstanding ?? 10_000;
    if (!Number.isSafeInteger(max) || max < 1) throw new TypeError('maxOutstanding must be a positive integer');
    this.#open = new BoundedMap(max);
    this.#clock = options.clock ?? systemClock;
    readClock(this.#clock);
  }

  /**
   * A fresh challenge (128-bit random nonce).
   * @example
   * ```ts
   * const { nonce } = challenges.issue();
   * ```
   */
  issue(): Challenge {
    this.#purge();
    const nonce = base64urlEncode(randomBytes(16));
    const expiresAt = readClock(this.#clock) + this.#ttl;
    this.#open.set(nonce, expiresAt);
    return { nonce, audience: this.audience, expiresAt };
  }

  /**
   * Throws like {@link ChallengeStore.consume} would, without consuming the nonce.
   * @example
   * ```ts
   * challenges.assertOutstanding(nonce); // cheap pre-check before costly verification
   * ```
   */
  assertOutstanding(nonce: unknown): void {
    this.#assertUnexpired(this.#outstanding(nonce));
  }

  /**
   * Consumes a nonce, or throws `unknown_challenge`, `replayed` or `expired`.
   * @example
   * ```ts
   * challenges.consume(nonce);
   * ```
   */
  consume(nonce: unknown): void {
    const expiresAt = this.#outstanding(nonce);
    this.#open.delete(nonce as string);
    this.#used.set(nonce as string, expiresAt);
    this.#assertUnexpired(expiresAt);
  }

  // The nonce's expiry, if this store issued it and it was not used yet.
  #outstanding(nonce: unknown): number {
    if (typeof nonce !== 'string') throw new MalformedInputError('nonce is not a string', { check: 'nonce' });
    this.#purge();
    if (this.#used.has(nonce)) throw new ReplayedError('challenge nonce was already used');
    const expiresAt = this.#open.get(nonce);
    if (expiresAt === undefined) throw new UnknownChallengeError('nonce was not issued by this verifier (or has been dropped)');
    return expiresAt;
  }

  #assertUnexpired(expiresAt: number): void {
    if (readClock(this.#clock) >= expiresAt) throw new ExpiredError('challenge expired', { check: 'challenge_expiry' });
  }

  #purge(): void {
    const now = readClock(this.#clock);
    for (const [n, exp] of this.#used) if (exp <= now) this.#used.delete(n);
    for (const [n, exp] of this.#open) if (exp + this.#ttl <= now) this.#open.delete(n);
  }
}

/** Options for {@link presentOwnership}. */
export interface PresentOptions {
  /** Time source (default the system clock); one giving no usable time is `bad_clock`. */
  clock?: Clock;
  /**
   * The request this presentation authorises (any JSON value, e.g. `{resource, action,
   * task}`): its RFC 8785 SHA-256 digest is signed as `req`, so the presentation cannot be
   * reused for another request.
   */
  request?: unknown;
}

/**
 * SHA-256 (hex) of the RFC 8785 form of a request, as signed in a presentation's `req`.
 * @example
 * ```ts
 * requestDigest({ resource: 'db:orders', action: 'read', task: 't-1' });
 * ```
 */
export function requestDigest(request: unknown): string {
  return sha256Hex(canonicalize(request));
}

/**
 * The agent's answer to a challenge: a presentation (VP-JWT) of its ownership credential,
 * signed with its own DID key and bound to the verifier (audience) and nonce.
 *
 * @example
 * ```ts
 * const vp = presentOwnership(agent, credentialJwt, challenge);
 * ```
 */
export function presentOwnership(
  agent: Pick<AgentIdentity, 'did' | 'keyId' | 'keyPair'>,
  credential: string,
  challenge: Challenge,
  options: PresentOptions = {},
): string {
  const now = readClockSeconds(options.clock);
  const payload: Record<string, unknown> = {
    iss: agent.did,
    aud: challenge.audience,
    nonce: challenge.nonce,
    iat: now,
    exp: Math.max(now + 1, Math.ceil(challenge.expiresAt / 1000)),
    vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], holder: agent.did, verifiableCredential: [credential] },
  };
  if (options.request !== undefined) payload.req = requestDigest(options.request);
  return signCompactJws({ typ: 'JWT', kid: agent.keyId }, utf8ToBytes(JSON.stringify(payload)), agent.keyPair);
}

/** Options for {@link verifyProofOfControl}. */
export interface VerifyProofOptions {
  /** The verifier's challenge store (its audience is the expected `aud`). */
  challenges: ChallengeStore;
  /** Organisations whose ownership credentials are accepted. */
  trustedIssuers: readonly string[];
  isRevoked?: (credentialId: string) => boolean | Promise<boolean>;
  /** Time source (default the system clock); one giving no usable time is `bad_clock`. */
  clock?: Clock;
  /** Largest accepted presentation, bytes. Default 16,384. */
  maxBytes?: number;
  /** The request that came with the presentation: its digest must equal the signed `req`. */
  request?: unknown;
  /**
   * Checks the credential's status lists ({@link createStatusListResolver}); required when
   * the credential carries a `credentialStatus` (else `status_unavailable`).
   */
  statusLists?: StatusListResolver;
}

/** Who the agent is, who operates it, and for whom it acts: all verified. */
export interface VerifiedAgent {
  agent: string;
  operator: string;
  onBehalfOf?: string;
  agentName?: string;
  credential: VerifiedOwnershipCredential;
  /** The agent key that signed the presentation. */
  keyId: string;
}

/**
 * Verifies a proof of control: the presentation is signed by a key the agent's DID
 * authorises for authentication, addressed to this verifier, answers a challenge it
 * issued (once), and carries a valid ownership credential about that same agent from a
 * trusted organisation.
 *
 * @example
 * ```ts
 * const who = await verifyProofOfControl(vp, resolver, { challenges, trustedIssuers: [acme.did] });
 * who.agent; who.operator; who.onBehalfOf;
 * ```
 */
export async function verifyProofOfControl(vp: unknown, resolver: DidResolver, options: VerifyProofOptions): Promise<VerifiedAgent> {
  if (!(options?.challenges instanceof ChallengeStore)) throw new TypeError('challenges must be a ChallengeStore');
  // Cheap checks on the claims come first, then the credential (whose issuer must be
  // trusted), and only then is the agent's DID resolved: an unauthenticated caller can
  // never make this verifier fetch a DID of its choosing.
  const parsed = parseDidJwt(vp, { maxBytes: options.maxBytes ?? 16_384, what: 'presentation' });
  const { payload } = parsed;
  if (payload.aud !== options.challenges.audience) throw new WrongAudienceError('presentation is addressed to another verifier');
  options.challenges.assertOutstanding(payload.nonce);
  if (options.request !== undefined && payload.req !== requestDigest(options.request)) {
    throw new RequestMismatchError('presentation is not bound to this request');
  }
  const now = readClock(options.clock) / 1000;
  if (typeof payload.exp !== 'number' || now >= payload.exp) throw new ExpiredError('presentation expired');
  const inner = isRecord(payload.vp) ? payload.vp.verifiableCredential : undefined;
  if (!Array.isArray(inner) || inner.length !== 1) {
    throw new MalformedInputError('presentation must carry exactly one credential', { check: 'presentation' });
  }
  const credential = await verifyOwnershipCredential(inner[0], resolver, {
    trustedIssuers: options.trustedIssuers,
    subject: parsed.issuer,
    isRevoked: options.isRevoked,
    clock: options.clock,
    statusLists: options.statusLists,
  });
  const signed = await verifyDidJwtSignature(parsed, resolver, 'authentication');
  options.challenges.consume(payload.nonce);
  const result: VerifiedAgent = { agent: signed.issuer, operator: credential.issuer, credential, keyId: signed.keyId };
  if (credential.onBehalfOf !== undefined) result.onBehalfOf = credential.onBehalfOf;
  if (credential.agentName !== undefined) result.agentName = credential.agentName;
  return result;
}
