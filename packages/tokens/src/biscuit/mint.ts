import type { Capability, Clock, KeyPair } from '@agent-id/core';
import { didKeyFromPublicKey } from '@agent-id/did';
import { validateAgentDid } from '../model.js';
import { CapabilityToken } from '../token.js';
import { withBiscuit } from '../wasm/runtime.js';
import { AUTHORITY_CODE, dateParam, scopeParams } from './datalog.js';
import { assertRootKey, wasmPrivateKey } from './keys.js';

/** Options of `mintCapability` for the Biscuit form. */
export interface BiscuitMintOptions {
  format: 'biscuit';
  /** The organisation's root key: Ed25519 (any other type is refused with `unsupported_algorithm`). */
  rootKey: KeyPair;
  /** The organisation's DID, recorded as the first hop's delegator. Default: did:key of `rootKey`. */
  issuer?: string;
  /** The time recorded as the token's issue time. Default: system clock; one giving no usable time is `bad_clock`. */
  clock?: Clock;
}

export async function mintBiscuit(capability: Capability, issuedAt: number, options: BiscuitMintOptions): Promise<CapabilityToken> {
  assertRootKey(options.rootKey.publicKey);
  const issuer = validateAgentDid(options.issuer ?? didKeyFromPublicKey(options.rootKey.publicKey), 'issuer');
  const params = {
    issuer,
    holder: capability.holder,
    on_behalf_of: capability.onBehalfOf,
    task: capability.task,
    issued_at: dateParam(issuedAt),
    ...scopeParams(capability),
  };
  const bytes = await withBiscuit((glue) => {
    const builder = glue.Biscuit.builder();
    try {
      builder.addCodeWithParameters(AUTHORITY_CODE, params, {});
    } catch (error) {
      builder.free();
      throw error;
    }
    const key = wasmPrivateKey(glue, options.rootKey);
    try {
      const token = builder.build(key);
      try {
        return token.toBytes();
      } finally {
        token.free();
      }
    } finally {
      key.free();
    }
  });
  return CapabilityToken.fromBytes('biscuit', bytes);
}
