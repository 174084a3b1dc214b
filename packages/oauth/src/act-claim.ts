import type { DelegationHop } from '@agent-id/core';

/**
 * The RFC 8693 §4.1 `act` claim of a chain: the current holder outermost, each earlier
 * holder nested below the one it delegated to (the organisation that minted it is the
 * token's issuer, not an actor).
 *
 * @example
 * ```ts
 * actClaim(result.chain); // { sub: 'did:key:…sub-agent', act: { sub: 'did:key:…orchestrator' } }
 * ```
 */
export function actClaim(chain: readonly DelegationHop[]): Record<string, unknown> {
  let act: Record<string, unknown> | undefined;
  for (const hop of chain) act = act === undefined ? { sub: hop.to } : { sub: hop.to, act };
  return act ?? {};
}
