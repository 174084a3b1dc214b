import { DepthExceededError, HolderMismatchError, type KeyPair, MalformedInputError, type Scope, assertNarrows, narrowScope } from '@agent-id/core';
import { didKeyFromPublicKey } from '@agent-id/did';
import { type TokenLimits, assertBlockCount } from './limits.js';
import { type ChainRecord, assertChain, holderOf, validScope, validateAgentDid } from './model.js';

/*
 * One hop, planned once for both formats: who hands the token on (the holder, proven by
 * its key), to whom, and what it keeps. Each format then only encodes the plan (a
 * third-party Biscuit block, a signed Macaroon `delegation` caveat). Whatever the plan
 * refuses, authorize would refuse in the token it would have made, with the same code.
 *
 * Error types: a caller's bug (no signer) is a TypeError; anything a token or a peer can
 * bring (the delegate's DID, the token's chain, its size) is a coded error, the same in
 * both formats.
 */

/** Who delegates to whom, as the caller asked: checked before the token is read. */
export interface Delegation {
  /** The current holder's key pair: signs the hop. */
  signer: KeyPair;
  /** The signer's did:key: must be the token's holder. */
  from: string;
  /** The delegate: a bare DID in canonical form. */
  to: string;
}

/** A hop ready to encode: position, delegator, delegate, the narrowed scope and when. */
export interface HopPlan extends Delegation {
  /** Position of the new hop (the authority is hop 0). */
  index: number;
  /** The scope the delegate gets: within the parent's, one level less deep. */
  granted: Scope;
  /** When the hop is made (seconds): never before its parent's. */
  issuedAt: number;
}

/**
 * The caller's side of a delegation: a signer (TypeError without one: a caller's bug) and
 * the delegate's DID (`malformed_input` unless bare and canonical, check `did`).
 */
export function delegationOf(options: { signer?: KeyPair | undefined; to: unknown }): Delegation {
  const signer = options.signer;
  if (!signer) throw new TypeError("attenuating needs `signer`: the current holder's key pair");
  const to = validateAgentDid(options.to, 'to');
  return { signer, from: didKeyFromPublicKey(signer.publicKey), to };
}

/**
 * Plans the hop a holder adds to a chain read from its token: the new token stays within
 * `maxBlocks` (`input_too_large`, check `max_blocks`), the chain itself holds
 * (`assertChain`), the signer is its holder (`holder_mismatch`), the delegate is another
 * agent (`malformed_input`, check `chain`, as authorize would refuse the hop), the hop is
 * not made before its parent (`nowSeconds` at or after the parent's issue time, else
 * `malformed_input`, check `issued_at`, as authorize refuses a chain whose times go
 * backwards), depth is left (`depth_exceeded`), and the narrowing is a valid scope
 * (`malformed_input`, check `scope`) within the parent's (`scope_widened`).
 */
export function planHop(chain: ChainRecord, delegation: Delegation, narrowing: Partial<Scope> | undefined, limits: TokenLimits, nowSeconds: number): HopPlan {
  assertBlockCount(chain.hops.length + 1, limits);
  assertChain(chain);
  const holder = holderOf(chain);
  if (holder !== delegation.from) {
    throw new HolderMismatchError(`only the holder ${holder.slice(0, 120)} can delegate this token; signer is ${delegation.from}`);
  }
  if (delegation.to === holder) throw new MalformedInputError('a hop must delegate to another agent', { check: 'chain' });
  const parentIssuedAt = chain.hops.at(-1)!.issuedAt;
  if (nowSeconds < parentIssuedAt) {
    // The delegator's clock is behind the one that made the parent hop: a hop dated now
    // would precede its parent, and every verifier would refuse the chain.
    throw new MalformedInputError(
      `this clock (${new Date(nowSeconds * 1000).toISOString()}) is before hop ${chain.hops.length - 1} was issued (${new Date(parentIssuedAt * 1000).toISOString()}): the chain's times would go backwards`,
      { check: 'issued_at' },
    );
  }
  const parent = chain.hops.at(-1)!.granted;
  if (parent.maxDepth < 1) throw new DepthExceededError('delegation depth is exhausted: the holder may not delegate further');
  const granted = validScope(narrowScope(parent, narrowing ?? {}), 'narrowing');
  assertNarrows(parent, granted);
  return { ...delegation, index: chain.hops.length, granted, issuedAt: nowSeconds };
}
