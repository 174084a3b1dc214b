import { type Clock, CredentialRequiredError, readClock } from '@agent-id/core';
import { BoundedMap, sha256Base64url } from '@agent-id/core/internal';
import { type DidResolver, type StatusListResolver, type VerifiedOwnershipCredential, checkCredentialStatus, verifyOwnershipCredential } from '@agent-id/did';

/** Options of {@link CredentialCache}. */
export interface CredentialCacheOptions {
  /** Most agents remembered (oldest first out). Default 10,000. */
  maxEntries?: number;
  clock?: Clock;
}

/** How {@link CredentialCache.verified} checks a credential it has not verified before. */
export interface CredentialCheck {
  resolver: DidResolver;
  /** Organisations whose ownership credentials are accepted. */
  trustedIssuers: readonly string[];
  /**
   * Status lists of credentials that carry `credentialStatus` (W3C Bitstring Status List):
   * checked on every use, cached or not. Without it such a credential is refused
   * (`status_unavailable`).
   */
  statusLists?: StatusListResolver;
  clock?: Clock;
}

interface Entry {
  hash: string;
  verified: VerifiedOwnershipCredential;
}

/**
 * Verified ownership credentials by agent, so an agent sends its credential once (on first
 * contact) and later requests carry only token and proof. An entry holds what
 * `verifyOwnershipCredential` verified for (agent DID, SHA-256 of the credential) and is
 * used only until the credential's own expiry, and its status list (when it has one) is
 * checked on every use; `forget` drops an agent (on revocation).
 *
 * @example
 * ```ts
 * const credentials = new CredentialCache({ maxEntries: 50_000 });
 * const guard = new HttpGuard({ ...options, credentials });
 * ```
 */
export class CredentialCache {
  readonly #entries: BoundedMap<string, Entry>;
  readonly #clock: Clock | undefined;

  constructor(options: CredentialCacheOptions = {}) {
    const max = options.maxEntries ?? 10_000;
    if (!Number.isSafeInteger(max) || max < 1) throw new TypeError('maxEntries must be a positive integer');
    this.#entries = new BoundedMap(max);
    this.#clock = options.clock;
  }

  /** The SHA-256 (base64url) a credential is cached under. */
  static hashOf(credential: string): string {
    return sha256Base64url(credential);
  }

  /** The agent's verified credential, if it is cached, unexpired and (when `hash` is given) that very credential. */
  get(agent: string, hash?: string): VerifiedOwnershipCredential | undefined {
    const entry = this.#entries.get(agent);
    if (entry === undefined) return undefined;
    if (entry.verified.validUntil <= readClock(this.#clock)) {
      this.#entries.delete(agent);
      return undefined;
    }
    if (hash !== undefined && entry.hash !== hash) return undefined;
    return entry.verified;
  }

  /** Remembers a credential verified for `verified.agent`, replacing the one before. */
  set(hash: string, verified: VerifiedOwnershipCredential): void {
    // Deleted first, so a replaced credential counts as the newest.
    this.#entries.delete(verified.agent);
    this.#entries.set(verified.agent, { hash, verified });
  }

  /**
   * The agent's verified ownership credential: the one it `sent` now (verified unless this
   * very credential is cached), or, when it sent none, the one it sent before (none:
   * `credential_required`, check `ownership_credential`). Its status (revoked, suspended) is
   * checked on every call, from the status list's cache.
   * @example
   * ```ts
   * const credential = await credentials.verified(proof.agent, request.header('agent-credential'), { resolver, trustedIssuers, statusLists });
   * ```
   */
  async verified(agent: string, sent: string | undefined, check: CredentialCheck): Promise<VerifiedOwnershipCredential> {
    const hash = sent === undefined ? undefined : CredentialCache.hashOf(sent);
    const cached = this.#trusted(agent, hash, check);
    if (cached !== undefined) {
      if (cached.credentialStatus !== undefined) {
        if (check.statusLists === undefined) throw new TypeError('a cached credential carries a status, but no statusLists were given');
        await checkCredentialStatus(cached.credentialStatus, cached.issuer, check.statusLists);
      }
      return cached;
    }
    if (sent === undefined || hash === undefined) {
      throw new CredentialRequiredError('no ownership credential is known for this agent: send it once in the Agent-Credential header', { check: 'ownership_credential' });
    }
    const verified = await verifyOwnershipCredential(sent, check.resolver, {
      trustedIssuers: check.trustedIssuers,
      subject: agent,
      ...(check.statusLists ? { statusLists: check.statusLists } : {}),
      ...(check.clock ? { clock: check.clock } : {}),
    });
    this.set(hash, verified);
    return verified;
  }

  // A cache may be shared with verifiers that trust other organisations: an entry vouches
  // here only when its issuer is one this check trusts.
  #trusted(agent: string, hash: string | undefined, check: CredentialCheck): VerifiedOwnershipCredential | undefined {
    const hit = this.get(agent, hash);
    return hit !== undefined && check.trustedIssuers.includes(hit.issuer) ? hit : undefined;
  }

  /**
   * @internal What {@link CredentialCache.verified} answers when the agent sent no
   * credential, its cached one is trusted here and carries no status to look up: that
   * credential, without a promise. Undefined otherwise (then call `verified`).
   */
  cachedWithoutStatus(agent: string, sent: string | undefined, check: CredentialCheck): VerifiedOwnershipCredential | undefined {
    if (sent !== undefined) return undefined;
    const cached = this.#trusted(agent, undefined, check);
    return cached?.credentialStatus === undefined ? cached : undefined;
  }

  /** Drops what is cached for an agent. */
  forget(agent: string): void {
    this.#entries.delete(agent);
  }
}
