import type { KeyPair, PublicKey, Scope } from '@agent-id/core';
import { attenuateBiscuit } from './biscuit/attenuate.js';
import { type TokenLimits, resolveLimits } from './limits.js';
import { attenuateMacaroon } from './macaroon/attenuate.js';
import type { ThirdPartyCaveatSpec } from './macaroon/discharge.js';
import { type CapabilityToken, toToken } from './token.js';
import { toArray } from './util.js';

/** Options of {@link attenuate}. */
export interface AttenuateOptions {
  /** The delegate's DID. For Biscuit it must be a did:key, since it signs the next hop. */
  to: string;
  /** What to narrow; fields left out are inherited, depth goes down by one. */
  narrowing?: Partial<Scope>;
  /** Biscuit: the current holder's key pair (its did:key must be the holder). Signs the hop. */
  signer?: KeyPair;
  /** Biscuit: the trusted root key(s), to read the token. */
  rootPublicKey?: PublicKey | readonly PublicKey[];
  /** Macaroon: third-party caveats to add with this hop. */
  thirdPartyCaveats?: readonly ThirdPartyCaveatSpec[];
  limits?: Partial<TokenLimits>;
}

/**
 * Hands a token on to `to`, narrowed. Offline; only the current holder can do it, since
 * its key signs the hop. A widening narrowing (resource, action or audience outside the
 * parent's, later expiry, more depth) is refused with `scope_widened`, and a token with
 * no depth left with `depth_exceeded`, before any token is produced.
 *
 * @example
 * ```ts
 * const child = await attenuate(token, {
 *   to: subAgentDid, signer: orchestratorKey, rootPublicKey: orgKey.publicKey,
 *   narrowing: { resources: ['files:/reports/q3.pdf'], expiresAt: now + 600 },
 * });
 * ```
 */
export async function attenuate(token: CapabilityToken | string, options: AttenuateOptions): Promise<CapabilityToken> {
  const limits = resolveLimits(options.limits);
  const t = toToken(token, limits.maxTokenBytes);
  if (t.format === 'biscuit') {
    const roots = toArray(options.rootPublicKey);
    if (roots.length === 0) throw new TypeError('attenuating a Biscuit needs rootPublicKey to read it');
    return attenuateBiscuit(t, options, roots, limits);
  }
  return attenuateMacaroon(t, options, limits);
}
