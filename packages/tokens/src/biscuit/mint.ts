import type { Capability } from '@agent-id/core';
import { didKeyFromPublicKey } from '@agent-id/did';
import type { BiscuitMintOptions } from '../mint-options.js';
import { validateAgentDid } from '../model.js';
import { CapabilityToken } from '../token.js';
import { withBiscuit } from '../wasm/runtime.js';
import { AUTHORITY_CODE, scopeParams } from './datalog.js';
import { assertRootKey, wasmPrivateKey } from './keys.js';

export async function mintBiscuit(capability: Capability, options: BiscuitMintOptions): Promise<CapabilityToken> {
  assertRootKey(options.rootKey.publicKey);
  const issuer = validateAgentDid(options.issuer ?? didKeyFromPublicKey(options.rootKey.publicKey), 'issuer');
  const params = {
    issuer,
    holder: capability.holder,
    on_behalf_of: capability.onBehalfOf,
    task: capability.task,
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
