import { type Capability, readClockSeconds } from '@agent-id/core';
import { mintBiscuit } from './biscuit/mint.js';
import { mintMacaroon } from './macaroon/mint.js';
import type { BiscuitMintOptions, MacaroonMintOptions, MintOptions } from './mint-options.js';
import { validateCapability } from './model.js';
import type { CapabilityToken } from './token.js';

export type { BiscuitMintOptions, MacaroonMintOptions, MintOptions };

/**
 * Mints a capability as the organisation's root authority. Biscuit: the authority block
 * states the capability as facts, signed by `rootKey`. Macaroon: the first caveat states
 * it, under an HMAC key derived from `rootSecret`. Either records when it was made: the
 * `clock` option's time in seconds (default the system clock; one giving no usable time is
 * `bad_clock`, read first). A capability of the wrong shape is `malformed_input`
 * (checks `scope`, `resource`, `did`, `principal`, `capability`).
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
  const issuedAt = readClockSeconds(options?.clock);
  const valid = validateCapability(capability);
  if (options?.format === 'biscuit') return mintBiscuit(valid, issuedAt, options);
  if (options?.format === 'macaroon') return mintMacaroon(valid, issuedAt, options);
  throw new TypeError('options.format must be "biscuit" or "macaroon"');
}
