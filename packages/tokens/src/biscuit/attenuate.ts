import type { PublicKey } from '@agent-id/core';
import { publicKeyFromDidKey } from '@agent-id/did';
import type { Delegation, HopPlan } from '../hop.js';
import type { TokenLimits } from '../limits.js';
import type { ChainRecord } from '../model.js';
import { CapabilityToken, bytesOf } from '../token.js';
import { withBiscuit } from '../wasm/runtime.js';
import { parseBiscuit, readChain } from './chain.js';
import { HOP_CODE, dateParam, scopeParams } from './datalog.js';
import { algorithmOf, wasmPrivateKey, wasmPublicKey } from './keys.js';

/**
 * Encodes a planned hop as a third-party block signed by the delegator's own key. Biscuit
 * needs both agents' keys to be ones it can check: the signer's, and the delegate's
 * did:key (it signs the following hop); `unsupported_algorithm` / `unknown_did` otherwise.
 */
export async function attenuateBiscuit(
  token: CapabilityToken,
  delegation: Delegation,
  plan: (chain: ChainRecord) => HopPlan,
  roots: readonly PublicKey[],
  limits: TokenLimits,
): Promise<CapabilityToken> {
  algorithmOf(delegation.signer.publicKey);
  algorithmOf(publicKeyFromDidKey(delegation.to));
  const out = await withBiscuit((glue) => {
    // Read synchronously here: the view may be a shared buffer (see bytesOf).
    const bytes = bytesOf(token);
    const biscuit = parseBiscuit(glue, bytes, roots, limits);
    try {
      const { chain, blockRevocationIds } = readChain(bytes, limits);
      const hop = plan(chain);
      const block = new glue.BlockBuilder();
      try {
        // `previous` names the block just before, a hop or a holder's block of checks.
        const params = {
          index: hop.index,
          from: hop.from,
          to: hop.to,
          previous: { bytes: blockRevocationIds.at(-1)! },
          issued_at: dateParam(hop.issuedAt),
          ...scopeParams(hop.granted),
        };
        block.addCodeWithParameters(HOP_CODE, params, {});
        const request = biscuit.getThirdPartyRequest();
        const key = wasmPrivateKey(glue, hop.signer);
        let signed: ReturnType<typeof request.createBlock>;
        try {
          signed = request.createBlock(key, block);
        } finally {
          key.free();
        }
        const publicKey = wasmPublicKey(glue, hop.signer.publicKey, 'agent');
        try {
          const next = biscuit.appendThirdPartyBlock(publicKey, signed);
          try {
            return next.toBytes();
          } finally {
            next.free();
          }
        } finally {
          publicKey.free();
          signed.free();
        }
      } finally {
        block.free();
      }
    } finally {
      biscuit.free();
    }
  });
  return CapabilityToken.fromBytes('biscuit', out);
}
