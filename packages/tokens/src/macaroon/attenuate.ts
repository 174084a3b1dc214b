import { InputTooLargeError } from '@agent-id/core';
import type { HopPlan } from '../hop.js';
import type { TokenLimits } from '../limits.js';
import type { ChainRecord } from '../model.js';
import { CapabilityToken } from '../token.js';
import { exportBinary, importBinary } from './codec.js';
import type { ThirdPartyCaveatSpec } from './discharge.js';
import { randomId } from './keys.js';
import { addDelegation, addThirdPartyCaveats } from './mint.js';
import { readMacaroon } from './read.js';

/**
 * Encodes a planned hop as a `delegation` caveat signed by the delegator, then the hop's
 * third-party caveats. The token must stay within `maxCaveats` (`input_too_large`, check
 * `max_caveats`), checked before anything is signed.
 */
export function attenuateMacaroon(
  token: CapabilityToken,
  plan: (chain: ChainRecord) => HopPlan,
  thirdPartyCaveats: readonly ThirdPartyCaveatSpec[] | undefined,
  limits: TokenLimits,
): CapabilityToken {
  const read = readMacaroon(importBinary(token.toBytes()), limits);
  const hop = plan(read.chain);
  const m = read.macaroon;
  const caveats = m.caveats.length + 1 + (thirdPartyCaveats?.length ?? 0);
  if (caveats > limits.maxCaveats) {
    throw new InputTooLargeError(`the token would carry ${caveats} caveats, above the limit of ${limits.maxCaveats}`, { check: 'max_caveats' });
  }
  const { granted } = hop;
  addDelegation(
    m,
    {
      actions: [...granted.actions],
      audience: [...granted.audience],
      expires_at: granted.expiresAt,
      from: hop.from,
      id: randomId(),
      index: hop.index,
      issued_at: hop.issuedAt,
      max_depth: granted.maxDepth,
      resources: [...granted.resources],
      to: hop.to,
    },
    hop.signer,
  );
  addThirdPartyCaveats(m, thirdPartyCaveats);
  return CapabilityToken.fromBytes('macaroon', exportBinary(m));
}
