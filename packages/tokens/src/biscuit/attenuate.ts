import { DepthExceededError, HolderMismatchError, type PublicKey, type Scope, assertNarrows, narrowScope } from '@agent-id/core';
import { didKeyFromPublicKey, publicKeyFromDidKey } from '@agent-id/did';
import { type TokenLimits, assertBlockCount } from '../limits.js';
import { assertChain, holderOf, validateAgentDid, validScope } from '../model.js';
import { CapabilityToken, bytesOf } from '../token.js';
import type { AttenuateOptions } from '../attenuate.js';
import { withBiscuit } from '../wasm/runtime.js';
import { readChain, parseBiscuit } from './chain.js';
import { HOP_CODE, scopeParams } from './datalog.js';
import { algorithmOf, wasmPrivateKey, wasmPublicKey } from './keys.js';

export async function attenuateBiscuit(token: CapabilityToken, options: AttenuateOptions, roots: readonly PublicKey[], limits: TokenLimits): Promise<CapabilityToken> {
  const signer = options.signer;
  if (!signer) throw new TypeError('attenuating a Biscuit needs `signer`: the current holder\'s key pair');
  algorithmOf(signer.publicKey);
  const to = validateAgentDid(options.to, 'to');
  // The delegate signs the following hop, so it must be a did:key Biscuit can check.
  algorithmOf(publicKeyFromDidKey(to));
  const signerDid = didKeyFromPublicKey(signer.publicKey);
  const out = await withBiscuit((glue) => {
    // Read synchronously here: the view may be a shared buffer (see bytesOf).
    const bytes = bytesOf(token);
    const biscuit = parseBiscuit(glue, bytes, roots, limits);
    try {
      const { chain, revocationIds } = readChain(bytes, limits);
      assertBlockCount(chain.hops.length + 1, limits);
      assertChain(chain);
      const holder = holderOf(chain);
      if (holder !== signerDid) throw new HolderMismatchError(`only the holder ${holder.slice(0, 120)} can delegate this token; signer is ${signerDid}`);
      if (to === holder) throw new TypeError('a hop must delegate to another agent');
      const parent: Scope = chain.hops.at(-1)!.granted;
      const index = chain.hops.length;
      if (parent.maxDepth < 1) throw new DepthExceededError('delegation depth is exhausted: the holder may not delegate further');
      const child = validScope(narrowScope(parent, options.narrowing ?? {}), 'narrowing');
      assertNarrows(parent, child);
      const block = new glue.BlockBuilder();
      try {
        block.addCodeWithParameters(HOP_CODE, { index, from: signerDid, to, previous: { bytes: revocationIds[index - 1]! }, ...scopeParams(child) }, {});
        const request = biscuit.getThirdPartyRequest();
        const key = wasmPrivateKey(glue, signer);
        let signed: ReturnType<typeof request.createBlock>;
        try {
          signed = request.createBlock(key, block);
        } finally {
          key.free();
        }
        const publicKey = wasmPublicKey(glue, signer.publicKey, 'agent');
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
