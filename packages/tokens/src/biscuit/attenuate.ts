import { MalformedInputError, type PublicKey } from '@agent-id/core';
import { PLATFORM } from '@agent-id/core/internal';
import { publicKeyFromDidKey } from '@agent-id/did';
import type { Delegation, HopPlan } from '../hop.js';
import type { TokenLimits } from '../limits.js';
import type { ChainRecord } from '../model.js';
import { CapabilityToken, bytesOf } from '../token.js';
import { verifyEnvelope, verifyEnvelopeAsync } from './chain.js';
import { hopBlockOf } from './datalog.js';
import { algorithmOf } from './keys.js';
import { writeBlock } from './proto/block-writer.js';
import { type SignedBlockView, readSerialized } from './proto/envelope.js';
import { writeEnvelope } from './proto/writer.js';
import { keyView, signPayload } from './sign.js';
import { type NextKey, blockPayload, externalPayload, newNextKey, signWithNextSecret } from './signatures.js';

/**
 * Encodes a planned hop as a third-party block signed by the delegator's own key, as
 * biscuit-auth appends one: the block (`HOP_CODE`) with its own symbol table, the
 * delegator's external signature over it and the previous block's signature (payload
 * version 1), then the block signed with the token's next secret, naming a fresh next key.
 * The token is verified first, as `authorize` verifies it (signatures against
 * `roots`, the profile, every block its template). Biscuit needs both agents' keys to be
 * ones it can check: the signer's, and the delegate's did:key (it signs the following
 * hop); `unsupported_algorithm` / `unknown_did` otherwise. A sealed token cannot take a
 * hop (`malformed_input`, check `sealed`). `next` is the new next key (tests pass one to
 * compare bytes).
 */
export async function attenuateBiscuit(
  token: CapabilityToken,
  delegation: Delegation,
  plan: (chain: ChainRecord) => HopPlan,
  roots: readonly PublicKey[],
  limits: TokenLimits,
  next: NextKey = newNextKey(),
): Promise<CapabilityToken> {
  algorithmOf(delegation.signer.publicKey);
  algorithmOf(publicKeyFromDidKey(delegation.to));
  // On Node everything below is synchronous, so the bytes may stay a shared buffer (see
  // bytesOf); elsewhere WebCrypto verifies them asynchronously, from a copy of their own.
  const native = PLATFORM === 'node';
  const envelope = readSerialized(native ? bytesOf(token) : Uint8Array.from(bytesOf(token)));
  const { chain } = native ? verifyEnvelope(envelope, roots, limits) : await verifyEnvelopeAsync(envelope, roots, limits);
  const hop = plan(chain);
  if (envelope.proof.kind !== 'secret') throw new MalformedInputError('biscuit: token is sealed and cannot be attenuated', { check: 'sealed' });
  const previous = envelope.blocks.at(-1)!;
  const block: SignedBlockView = {
    // `previous` names the block just before, a hop or a holder's block of checks.
    block: writeBlock(hopBlockOf({ index: hop.index, from: hop.from, to: hop.to, previous: previous.signature, issuedAt: hop.issuedAt, scope: hop.granted })),
    nextKey: { algorithm: 0, key: next.publicKey },
    version: 1,
    signature: new Uint8Array(0),
    externalKey: keyView(hop.signer.publicKey),
  };
  block.externalSignature = signPayload(hop.signer, externalPayload(block, previous));
  // verifyEnvelope checked that the proof is the secret of the last block's (Ed25519) next key.
  block.signature = signWithNextSecret(envelope.proof.value, blockPayload(block, previous));
  const blocks = [...envelope.blocks, block];
  const proof = { kind: 'secret', value: next.secret } as const;
  return CapabilityToken.fromBytes('biscuit', writeEnvelope(envelope.rootKeyId === undefined ? { blocks, proof } : { rootKeyId: envelope.rootKeyId, blocks, proof }));
}
