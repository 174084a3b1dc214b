import type { PublicKey } from '@agent-id/core';
import type { TokenLimits } from '../limits.js';
import type { ChainRecord, InspectedBlock } from '../model.js';
import { type CapabilityToken, bytesOf } from '../token.js';
import { withBiscuit } from '../wasm/lazy.js';
import { parseBiscuit, readChain } from './chain.js';

type BiscuitView = { chain: ChainRecord; blocks: InspectedBlock[]; problem?: string };

const NO_SOURCE = '(Datalog source shown only when the token is read with a trusted root key)';

/**
 * The unverified view of a Biscuit. With root keys, biscuit-wasm parses the token (which
 * checks its signatures against them) and prints each block's Datalog; without, the chain
 * and revocation ids come from this package's own reader alone and no Datalog is printed.
 */
export async function inspectBiscuit(token: CapabilityToken, roots: readonly PublicKey[], limits: TokenLimits): Promise<BiscuitView> {
  if (roots.length === 0) {
    const { chain, revocationIds, unattributed } = readChain(bytesOf(token), limits, false);
    const blocks: InspectedBlock[] = revocationIds.map((revocationId, index) => ({
      index,
      kind: index === 0 ? 'authority' : index < chain.hops.length ? 'hop' : 'unattributed',
      revocationId,
      source: [NO_SOURCE],
    }));
    return unattributed ? { chain, blocks, problem: `hop ${unattributed.index}: ${unattributed.reason}` } : { chain, blocks };
  }
  return withBiscuit((glue) => {
    // Read synchronously here: the view may be a shared buffer (see bytesOf).
    const bytes = bytesOf(token);
    const biscuit = parseBiscuit(glue, bytes, roots, limits);
    try {
      const count = biscuit.countBlocks();
      const { chain, revocationIds, blockRevocationIds, blockKinds, unattributed } = readChain(bytes, limits, false);
      const blocks: InspectedBlock[] = [];
      let hop = 0;
      for (let index = 0; index < count; index++) {
        const kind = blockKinds[index] ?? 'unattributed';
        blocks.push({
          index,
          kind,
          // A hop's own id, which no re-signing changes; a check block has only Biscuit's.
          revocationId: kind === 'authority' || kind === 'hop' ? revocationIds[hop++]! : (blockRevocationIds[index] ?? ''),
          blockRevocationId: blockRevocationIds[index] ?? '',
          // Display only: the printer does not escape strings, so this is never re-parsed.
          source: biscuit
            .getBlockSource(index)
            .split('\n')
            .filter((line) => line.trim() !== ''),
        });
      }
      return unattributed ? { chain, blocks, problem: `block ${unattributed.index}: ${unattributed.reason}` } : { chain, blocks };
    } finally {
      biscuit.free();
    }
  });
}
