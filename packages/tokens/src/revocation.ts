import { MalformedInputError, isEpochMillis } from '@agent-id/core';
import { isRecord } from '@agent-id/core/internal';
import { canonicalAgentDidOf, isCanonicalAgentDid, isRevocationId, principalProblem } from './model.js';

export { isRevocationId };

/**
 * What can be revoked:
 * - `token`: one hop by its revocation id (a Biscuit block's id, a Macaroon token or hop
 *   id): that token and everything derived from it;
 * - `agent`: every token whose chain passes through that agent DID;
 * - `principal`: everything acting on behalf of that user or organisation.
 */
export type RevocationTarget =
  | { kind: 'token'; id: string }
  | { kind: 'agent'; did: string }
  | { kind: 'principal'; id: string };

/** A stored revocation. */
export type RevocationEntry = RevocationTarget & {
  /** Epoch milliseconds when it was recorded. */
  revokedAt: number;
  reason?: string;
};

/** What one authorization asks the store about. */
export interface RevocationQuery {
  tokenIds: readonly string[];
  agents: readonly string[];
  principals: readonly string[];
  /**
   * Every hop of the chain, authority first, with its issue time (seconds): what a store
   * that revokes "everything issued before T" for an agent or principal matches against.
   * `authorize` always passes it; a store that needs it and finds it absent must refuse.
   */
  hops?: readonly { from: string; to: string; issuedAt: number }[];
}

/**
 * Where revocations live. `authorize` calls {@link RevocationStore.findRevoked} on every
 * check, with targets spelled as chains spell them; implementations answer from memory or
 * from a backend, and must refuse in `revoke` what {@link validRevocationTarget} refuses
 * (and store what it returns), so nothing is reported revoked that no chain can match.
 */
export interface RevocationStore {
  /** Records a revocation; resolves once it is durable. */
  revoke(target: RevocationTarget, options?: { reason?: string; at?: number }): Promise<RevocationEntry>;
  /**
   * The first revocation matching the query, or undefined. A store that cannot know (its
   * feed is stale, it has not loaded yet) throws an `AgentIdError` (`revocation_stale`)
   * instead of answering: `authorize` then refuses with it.
   */
  findRevoked(query: RevocationQuery): RevocationEntry | undefined | Promise<RevocationEntry | undefined>;
}

/** @internal */
export function keyOf(target: RevocationTarget): string {
  return target.kind === 'agent' ? `agent\u0000${target.did}` : `${target.kind}\u0000${target.id}`;
}

function refuse(message: string): never {
  throw new MalformedInputError(message, { check: 'revocation_target' });
}

/**
 * The revocation target as chains spell it, or a refusal: a store matches targets as
 * strings, so a target in any other spelling would be stored, reported as revoked and
 * never match a chain. One rule, no guessing, the rule chains themselves follow:
 *
 * - `agent`: a bare DID in canonical form, as `mintCapability`, `attenuate` and
 *   `authorize` require of every DID in a chain (no fragment, query or path, no white
 *   space; did:key as its key encodes it; did:web with a lower-case host and `%3A` before
 *   a port). The message names the canonical spelling when there is one;
 * - `principal`: the one form chains carry a principal in (no white space at either end,
 *   no control character, NFC, a DID in canonical form; see `mintCapability`);
 * - `token`: a revocation id exactly as this package writes it ({@link isRevocationId}).
 *
 * Anything else is `malformed_input`, check `revocation_target`. A target of the wrong
 * shape (no `kind`, a non-string id) is a caller's bug (`TypeError`). Every store in this
 * package calls it in `revoke`; a `RevocationStore` of your own should too.
 *
 * @example
 * ```ts
 * validRevocationTarget({ kind: 'agent', did: 'did:key:z6Mk…#z6Mk…' }); // malformed_input: revoke did:key:z6Mk… instead
 * ```
 */
export function validRevocationTarget(target: RevocationTarget): RevocationTarget {
  const value = isRecord(target) ? (target.kind === 'agent' ? target.did : target.id) : undefined;
  if (!isRecord(target) || !['token', 'agent', 'principal'].includes(String(target.kind)) || typeof value !== 'string') {
    throw new TypeError('revocation target must be {kind:"token",id} | {kind:"agent",did} | {kind:"principal",id}');
  }
  const shown = JSON.stringify(value.slice(0, 120));
  if (target.kind === 'agent') {
    if (!isCanonicalAgentDid(value)) {
      const canonical = canonicalAgentDidOf(value);
      refuse(
        `revocation target agent ${shown} is not a bare DID in canonical form, so it would match no chain` +
          (canonical ? `: chains name this agent ${canonical}; revoke that` : ''),
      );
    }
    return { kind: 'agent', did: value };
  }
  if (target.kind === 'principal') {
    const problem = principalProblem(value);
    if (problem !== undefined) refuse(`revocation target principal ${shown} ${problem}, so it would match no chain`);
    return { kind: 'principal', id: value };
  }
  if (!isRevocationId(value)) {
    refuse(`revocation target token id ${shown} is not a revocation id as this package writes them (lower-case hex of a Biscuit block signature, or the 22-character base64url id of a Macaroon token or hop), so it would match no chain`);
  }
  return { kind: 'token', id: value };
}

/** @internal */
export function checkOptions(options: { reason?: string; at?: number }): void {
  if (options.at !== undefined && !isEpochMillis(options.at)) {
    // A NaN time would be written as null, and the file store would then refuse to open.
    throw new MalformedInputError('revocation time `at` must be epoch milliseconds from 1970 to year 9999', { check: 'revoked_at' });
  }
  if (options.reason !== undefined && typeof options.reason !== 'string') throw new TypeError('revocation reason must be a string');
}

/**
 * A revocation store held in memory (tests, or a cache in front of another store).
 *
 * @example
 * ```ts
 * const store = new MemoryRevocationStore();
 * await store.revoke({ kind: 'agent', did: 'did:key:z6Mk…' });
 * ```
 */
export class MemoryRevocationStore implements RevocationStore {
  protected readonly entries = new Map<string, RevocationEntry>();

  /**
   * Records a revocation.
   * @example
   * ```ts
   * await store.revoke({ kind: 'token', id: hop.revocationId }, { reason: 'task cancelled' });
   * ```
   */
  async revoke(target: RevocationTarget, options: { reason?: string; at?: number } = {}): Promise<RevocationEntry> {
    const valid = validRevocationTarget(target);
    checkOptions(options);
    const entry = this.entryFor(valid, options);
    this.entries.set(keyOf(valid), entry);
    return entry;
  }

  protected entryFor(target: RevocationTarget, options: { reason?: string; at?: number }): RevocationEntry {
    const entry: RevocationEntry =
      target.kind === 'agent' ? { kind: 'agent', did: target.did, revokedAt: options.at ?? Date.now() } : { kind: target.kind, id: target.id, revokedAt: options.at ?? Date.now() };
    if (options.reason !== undefined) entry.reason = options.reason;
    return entry;
  }

  /**
   * The first revocation that matches any id, agent or principal in the query.
   * @example
   * ```ts
   * store.findRevoked({ tokenIds: ['ab12…'], agents: [], principals: ['did:web:acme.example'] });
   * ```
   */
  findRevoked(query: RevocationQuery): RevocationEntry | undefined {
    if (this.entries.size === 0) return undefined;
    for (const id of query.tokenIds) {
      const hit = this.entries.get(`token\u0000${id}`);
      if (hit) return hit;
    }
    for (const did of query.agents) {
      const hit = this.entries.get(`agent\u0000${did}`);
      if (hit) return hit;
    }
    for (const id of query.principals) {
      const hit = this.entries.get(`principal\u0000${id}`);
      if (hit) return hit;
    }
    return undefined;
  }

  /** Number of stored revocations. */
  get size(): number {
    return this.entries.size;
  }
}
