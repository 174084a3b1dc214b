import { DepthExceededError, HolderMismatchError, assertNarrows, narrowScope } from '@agent-id/core';
import { didKeyFromPublicKey } from '@agent-id/did';
import type { TokenLimits } from '../limits.js';
import { assertChain, holderOf, validateAgentDid, validScope } from '../model.js';
import { CapabilityToken } from '../token.js';
import type { AttenuateOptions } from '../attenuate.js';
import { importBinary, exportBinary } from './codec.js';
import { randomId } from './keys.js';
import { addDelegation, addThirdPartyCaveats } from './mint.js';
import { readMacaroon } from './read.js';

export function attenuateMacaroon(token: CapabilityToken, options: AttenuateOptions, limits: TokenLimits): CapabilityToken {
  const signer = options.signer;
  if (!signer) throw new TypeError('attenuating needs `signer`: the current holder\'s key pair');
  const to = validateAgentDid(options.to, 'to');
  const read = readMacaroon(importBinary(token.toBytes()), limits);
  assertChain(read.chain);
  const holder = holderOf(read.chain);
  const signerDid = didKeyFromPublicKey(signer.publicKey);
  if (holder !== signerDid) throw new HolderMismatchError(`only the holder ${holder.slice(0, 120)} can delegate this token; signer is ${signerDid}`);
  if (to === holder) throw new TypeError('a hop must delegate to another agent');
  const parent = read.chain.hops.at(-1)!.granted;
  if (parent.maxDepth < 1) throw new DepthExceededError('delegation depth is exhausted: the holder may not delegate further');
  const child = validScope(narrowScope(parent, options.narrowing ?? {}), 'narrowing');
  assertNarrows(parent, child);
  const m = read.macaroon;
  addDelegation(
    m,
    {
      actions: [...child.actions],
      audience: [...child.audience],
      expires_at: child.expiresAt,
      from: signerDid,
      id: randomId(),
      index: read.chain.hops.length,
      max_depth: child.maxDepth,
      resources: [...child.resources],
      to,
    },
    signer,
  );
  addThirdPartyCaveats(m, options.thirdPartyCaveats);
  if (m.caveats.length > limits.maxCaveats) throw new TypeError(`the token would exceed ${limits.maxCaveats} caveats`);
  return CapabilityToken.fromBytes('macaroon', exportBinary(m));
}
