import { attenuateBiscuit } from './biscuit/attenuate.js';
import { resolveLimits } from './limits.js';
import { attenuateMacaroon } from './macaroon/attenuate.js';
import { type CapabilityToken, toToken } from './token.js';
import type { AttenuateOptions } from './types.js';
import { toArray } from './util.js';

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
