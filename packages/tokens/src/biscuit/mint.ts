import type { Capability, KeyPair } from '@agent-id/core';
import { didKeyFromPublicKey } from '@agent-id/did';
import type { BiscuitMintOptions } from '../mint-options.js';
import { validateAgentDid } from '../model.js';
import { CapabilityToken } from '../token.js';
import { withBiscuit } from '../wasm/runtime.js';
import { AUTHORITY_CODE, dateParam, scopeParams } from './datalog.js';
import { assertRootKey, wasmPrivateKey } from './keys.js';
import { readSerialized } from './proto/envelope.js';
import { writeEnvelope } from './proto/writer.js';
import { blockPayload } from './signatures.js';

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
  return CapabilityToken.fromBytes('biscuit', withVersion1Authority(bytes, options.rootKey));
}

/**
 * The minted token with its authority block signed again by the root, with signature
 * version 1 (the labelled payload) instead of the original version 0 that biscuit-wasm
 * writes for facts-only Datalog. biscuit-auth signs each later first-party block with the
 * highest version before it, so on a version-1 authority a holder's stock `appendBlock`
 * (say `check if time($t), $t < …`) is version 1 too, which this package requires of
 * every block after the authority (see `assertProfile` in chain.ts). The Datalog, next
 * key and proof are the ones biscuit-wasm wrote; only the root signs.
 */
function withVersion1Authority(bytes: Uint8Array, rootKey: KeyPair): Uint8Array {
  const envelope = readSerialized(bytes);
  const authority = { ...envelope.blocks[0]!, version: 1 };
  authority.signature = rootKey.sign(blockPayload(authority, undefined));
  return writeEnvelope({ ...envelope, blocks: [authority] });
}
