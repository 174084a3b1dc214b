import { type Clock, type KeyPair, type Scope, UntrustedIssuerError, readClockSeconds } from '@agent-id/core';
import { attenuateBiscuit } from './biscuit/attenuate.js';
import { delegationOf, planHop } from './hop.js';
import { type TokenLimits, resolveLimits } from './limits.js';
import { attenuateMacaroon } from './macaroon/attenuate.js';
import type { ThirdPartyCaveatSpec } from './macaroon/discharge.js';
import type { ChainRecord } from './model.js';
import { type CapabilityToken, toToken } from './token.js';
import { type TrustedRoots, publicKeysOf } from './roots.js';

/** Options of {@link attenuate}. */
export interface AttenuateOptions {
  /**
   * The delegate's DID: a bare DID in canonical form, not the holder's own. For Biscuit it
   * must be a did:key, since it signs the next hop.
   */
  to: string;
  /** What to narrow; fields left out are inherited, depth goes down by one. */
  narrowing?: Partial<Scope>;
  /** The current holder's key pair (its did:key must be the holder): signs the hop. Required. */
  signer?: KeyPair;
  /** Biscuit: the trusted root key(s), to read the token (`untrusted_issuer` without one). */
  trustedRoots?: TrustedRoots;
  /** Macaroon: third-party caveats to add with this hop. */
  thirdPartyCaveats?: readonly ThirdPartyCaveatSpec[];
  /**
   * Time source for the hop's issue time. Default: system clock; one giving no usable time
   * is `bad_clock`. A time before the parent hop's issue time is refused (`malformed_input`,
   * check `issued_at`): a chain's times never go backwards.
   */
  clock?: Clock;
  limits?: Partial<TokenLimits>;
}

/**
 * Hands a token on to `to`, narrowed. Offline; only the current holder can do it, since
 * its key signs the hop. The hop is planned once for both formats (`hop.ts`) and refused,
 * before any token is produced, with the code authorize would give the token it would
 * make: a signer that is not the holder `holder_mismatch`, `to` being the holder itself
 * `malformed_input`, a widening narrowing (resource, action or audience outside the
 * parent's, later expiry, more depth) `scope_widened`, a resource not in canonical form
 * `malformed_input` (check `resource`), no depth left `depth_exceeded`, a clock before the
 * parent hop's issue time `malformed_input` (check `issued_at`), a token that would exceed
 * `maxBlocks` or (Macaroon) `maxCaveats` `input_too_large`. The hop records when it was
 * made (the clock's time, in seconds). A clock giving no usable time is `bad_clock`, read
 * first. A missing `signer` is a TypeError (a caller's bug).
 *
 * @example
 * ```ts
 * const child = await attenuate(token, {
 *   to: subAgentDid, signer: orchestratorKey, trustedRoots: orgKey.publicKey,
 *   narrowing: { resources: ['files:/reports/q3.pdf'], expiresAt: now + 600 },
 * });
 * ```
 */
export async function attenuate(token: CapabilityToken | string, options: AttenuateOptions): Promise<CapabilityToken> {
  const nowSeconds = readClockSeconds(options.clock);
  const limits = resolveLimits(options.limits);
  const t = toToken(token, limits.maxTokenChars);
  const delegation = delegationOf(options);
  const plan = (chain: ChainRecord) => planHop(chain, delegation, options.narrowing, limits, nowSeconds);
  if (t.format === 'biscuit') {
    // The token chooses its format: a Biscuit reaching a holder that trusts no root is
    // refused as authorize refuses it.
    const roots = publicKeysOf(options.trustedRoots);
    if (roots.length === 0) throw new UntrustedIssuerError('attenuating a Biscuit needs a trusted root key (trustedRoots) to read it', { check: 'root_key' });
    return attenuateBiscuit(t, delegation, plan, roots, limits);
  }
  return attenuateMacaroon(t, plan, options.thirdPartyCaveats, limits);
}
