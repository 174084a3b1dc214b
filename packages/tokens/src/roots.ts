import { type PublicKey, UntrustedIssuerError } from '@agent-id/core';
import { toArray } from './util.js';

/**
 * A trusted Biscuit root: a bare key (accepted for any issuer the token names), or a key
 * bound to the organisation DID it speaks for, so another organisation's key can never
 * mint tokens naming that issuer.
 */
export type TrustedRootKey = PublicKey | { issuer: string; publicKey: PublicKey };

/**
 * The Biscuit roots an operation trusts, under one name (`trustedRoots`) in `authorize`,
 * `verifyChain`, `attenuate`, `inspectToken`, `refusalRecord` and `ResourceGuard`: one root
 * or several, each bare or bound to its issuer.
 */
export type TrustedRoots = TrustedRootKey | readonly TrustedRootKey[];

/**
 * Every public key among trusted roots, whatever issuer each is bound to: for reading a
 * token with biscuit-wasm (attenuate, inspect), which decides nothing about the issuer.
 */
export function publicKeysOf(roots: TrustedRoots | undefined): PublicKey[] {
  return toArray<TrustedRootKey>(roots).map((root) => ('issuer' in root && 'publicKey' in root ? root.publicKey : root));
}

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

/**
 * An organisation's Macaroon root secret. Each token's HMAC root key is derived from it
 * (HMAC-SHA256 over a random token id), so the secret itself never signs a token.
 */
export interface MacaroonRootSecret {
  /** Names the secret inside tokens, so secrets can be rotated. */
  id: string;
  /** At least 32 random bytes. */
  secret: Uint8Array;
  /** The organisation DID this secret speaks for: tokens naming another issuer are refused. */
  issuer?: string;
}
