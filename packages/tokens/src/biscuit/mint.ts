import type { Capability } from '@agent-id/core';
import { didKeyFromPublicKey } from '@agent-id/did';
import type { BiscuitMintOptions } from '../mint-options.js';
import { validateAgentDid } from '../model.js';
import { CapabilityToken } from '../token.js';
import { authorityBlockOf } from './datalog.js';
import { assertRootKey } from './keys.js';
import { writeBlock } from './proto/block-writer.js';
import type { SignedBlockView } from './proto/envelope.js';
import { writeEnvelope } from './proto/writer.js';
import { signPayload } from './sign.js';
import { type NextKey, blockPayload, newNextKey } from './signatures.js';

/**
 * The authority block (`AUTHORITY_CODE`) written and signed by the root with signature
 * version 1 (the labelled payload). biscuit-auth signs each later first-party block with
 * the highest version before it, so on a version-1 authority a holder's stock
 * `appendBlock` (say `check if time($t), $t < …`) is version 1 too, which this package
 * requires of every block after the authority (see `assertProfile` in chain.ts).
 * `next` is the next key, whose secret the token carries (tests pass one to compare bytes).
 */
export async function mintBiscuit(capability: Capability, issuedAt: number, options: BiscuitMintOptions, next: NextKey = newNextKey()): Promise<CapabilityToken> {
  assertRootKey(options.rootKey.publicKey);
  const issuer = validateAgentDid(options.issuer ?? didKeyFromPublicKey(options.rootKey.publicKey), 'issuer');
  const block = writeBlock(
    authorityBlockOf({ issuer, holder: capability.holder, onBehalfOf: capability.onBehalfOf, task: capability.task, issuedAt, scope: capability }),
  );
  const authority: SignedBlockView = { block, nextKey: { algorithm: 0, key: next.publicKey }, version: 1, signature: new Uint8Array(0) };
  authority.signature = signPayload(options.rootKey, blockPayload(authority, undefined));
  return CapabilityToken.fromBytes('biscuit', writeEnvelope({ blocks: [authority], proof: { kind: 'secret', value: next.secret } }));
}
