import type { DelegationHop } from '@agent-id/core';
import { UntrustedIssuerError } from '@agent-id/core';
import { verifyBiscuit } from './biscuit/chain.js';
import { type TokenLimits, resolveLimits } from './limits.js';
import { evaluateMacaroon } from './macaroon/authorize.js';
import { type ChainRecord, assertChain, toDelegationHop } from './model.js';
import { type CapabilityToken, type TokenFormat, bytesOf, toToken } from './token.js';
import type { MacaroonRootSecret } from './types.js';
import type { TrustedRootKey } from './roots.js';
import { toArray } from './util.js';

/** Options of {@link verifyChain}. */
export interface VerifyChainOptions {
  rootPublicKey?: TrustedRootKey | readonly TrustedRootKey[];
  rootSecrets?: MacaroonRootSecret | readonly MacaroonRootSecret[];
  /** Discharge macaroons bound to the token (Macaroon third-party caveats). */
  discharges?: readonly (CapabilityToken | string)[];
  limits?: Partial<TokenLimits>;
}

/** A chain whose signatures and narrowing were verified; nothing about any request. */
export interface VerifiedChain {
  format: TokenFormat;
  issuer: string;
  onBehalfOf: string;
  task: string;
  chain: DelegationHop[];
}

/**
 * Verifies who minted a token and who delegated it to whom — signatures against the trusted
 * roots, every hop signed by its delegator and narrowing its parent — without deciding any
 * request: no expiry, audience, holder, request or revocation check. For records about a
 * refused request (whose chain is still worth knowing), never to grant access: use
 * `authorize` for that.
 *
 * @example
 * ```ts
 * const { onBehalfOf, chain } = await verifyChain(token, { rootPublicKey: orgPublicKey });
 * ```
 */
export async function verifyChain(token: CapabilityToken | string, options: VerifyChainOptions): Promise<VerifiedChain> {
  const limits = resolveLimits(options.limits);
  const t = toToken(token, limits.maxTokenBytes);
  let chain: ChainRecord;
  if (t.format === 'biscuit') {
    const trusted = toArray(options.rootPublicKey);
    if (trusted.length === 0) throw new UntrustedIssuerError('this verifier trusts no Biscuit root key', { check: 'root_key' });
    ({ chain } = verifyBiscuit(bytesOf(t), trusted, limits));
  } else {
    const secrets = toArray(options.rootSecrets);
    if (secrets.length === 0) throw new UntrustedIssuerError('this verifier trusts no Macaroon root secret', { check: 'root_key' });
    // Far-past time: expiry is deliberately not decided here.
    ({ chain } = evaluateMacaroon(t, secrets, options.discharges ?? [], Number.MIN_SAFE_INTEGER, limits));
  }
  assertChain(chain);
  return { format: t.format, issuer: chain.issuer, onBehalfOf: chain.onBehalfOf, task: chain.task, chain: chain.hops.map(toDelegationHop) };
}
