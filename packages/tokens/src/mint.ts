import type { Capability, KeyPair } from '@agent-id/core';
import { mintBiscuit } from './biscuit/mint.js';
import type { ThirdPartyCaveatSpec } from './macaroon/discharge.js';
import { mintMacaroon } from './macaroon/mint.js';
import { validateCapability } from './model.js';
import type { MacaroonRootSecret } from './roots.js';
import type { CapabilityToken } from './token.js';

/** Options of {@link mintCapability} for the Biscuit form. */
export interface BiscuitMintOptions {
  format: 'biscuit';
  /** The organisation's root key: Ed25519 (any other type is refused with `unsupported_algorithm`). */
  rootKey: KeyPair;
  /** The organisation's DID, recorded as the first hop's delegator. Default: did:key of `rootKey`. */
  issuer?: string;
}

/** Options of {@link mintCapability} for the Macaroon form. */
export interface MacaroonMintOptions {
  format: 'macaroon';
  rootSecret: MacaroonRootSecret;
  /** The organisation's DID, recorded as the first hop's delegator. */
  issuer: string;
  /** Third-party caveats the holder must discharge. */
  thirdPartyCaveats?: readonly ThirdPartyCaveatSpec[];
}

/** Options of {@link mintCapability}. */
export type MintOptions = BiscuitMintOptions | MacaroonMintOptions;

/**
 * Mints a capability as the organisation's root authority. Biscuit: the authority block
 * states the capability as facts, signed by `rootKey`. Macaroon: the first caveat states
 * it, under an HMAC key derived from `rootSecret`.
 *
 * @example
 * ```ts
 * const token = await mintCapability(
 *   { resources: ['files:/reports/*'], actions: ['read'], audience: ['did:web:files.example'],
 *     expiresAt: now + 3600, maxDepth: 3, holder: orchestratorDid, onBehalfOf: 'did:web:acme.example:alice', task: 'q3-report' },
 *   { format: 'biscuit', rootKey: orgKey, issuer: 'did:web:acme.example' },
 * );
 * ```
 */
export async function mintCapability(capability: Capability, options: MintOptions): Promise<CapabilityToken> {
  const valid = validateCapability(capability);
  if (options?.format === 'biscuit') return mintBiscuit(valid, options);
  if (options?.format === 'macaroon') return mintMacaroon(valid, options);
  throw new TypeError('options.format must be "biscuit" or "macaroon"');
}
