import { type PublicKey, UntrustedIssuerError } from '@agent-id/core';

/**
 * A trusted Biscuit root: a bare key (accepted for any issuer the token names), or a key
 * bound to the organisation DID it speaks for, so another organisation's key can never
 * mint tokens naming that issuer.
 */
export type TrustedRootKey = PublicKey | { issuer: string; publicKey: PublicKey };

/**
 * The keys allowed to have signed a token that claims `issuer`: bare keys, and bound keys
 * whose issuer matches. Refuses with `untrusted_issuer` when none is left.
 */
export function rootKeysFor(roots: readonly TrustedRootKey[], issuer: string | undefined): PublicKey[] {
  const keys: PublicKey[] = [];
  for (const root of roots) {
    if ('issuer' in root && 'publicKey' in root) {
      if (root.issuer === issuer) keys.push(root.publicKey);
    } else keys.push(root);
  }
  if (keys.length === 0) {
    throw new UntrustedIssuerError(`no trusted root key speaks for issuer ${String(issuer).slice(0, 120)}`, { check: 'root_issuer' });
  }
  return keys;
}
