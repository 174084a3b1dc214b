import { type IssuerPrefixes, blockPayloadParts, externalPayloadParts } from './signatures.js';
import type { SignedBlockView } from './proto/envelope.js';
import { bytesToHex, sha256Parts, sha256PartsAsync, utf8ToBytes } from '@agent-id/core/internal';

/*
 * Revocation ids of Biscuit hops that no re-signing can change.
 *
 * Biscuit's own revocation id of a block is its signature. That signature is made with the
 * ephemeral secret whose public half the previous block carries, and that secret is held by
 * everyone who held the token just before the block: the agent that delegated the previous
 * hop (it wrote the token that carried the secret) and this hop's delegator. Either can sign
 * the same block again — the same Datalog, the same external (agent) signature — with a new
 * next key, or with the same key and a fresh Ed25519 nonce (verification accepts any valid
 * (R, S), not only the deterministic one). Same chain, new signature, new Biscuit id: a
 * `revoke({ kind: 'token', id })` by the old id no longer matches the copy.
 *
 * What no re-signing changes is what the block's *issuer* signed:
 *
 * - the authority block: the payload the root key signed (its Datalog, version and next
 *   key; see `blockPayload`). Only the root can sign another one, and the root is trusted.
 * - a hop block (a third-party block): the payload of its external signature, which the
 *   delegating agent made with its own key: the signature version, the block's Datalog and
 *   the previous block's signature (`externalPayload`). Only that agent can sign another.
 *   The previous signature inside it is itself re-signable (by whoever held the secret
 *   before *that* block), but a token whose previous signature changed no longer carries
 *   this hop: the external signature stops verifying and the hop fact names the old
 *   signature. So in every token that verifies, this hop's payload is the same bytes.
 *
 * The id is SHA-256 of that payload, under a label of its own. It hashes the signed
 * message, not the signature: an ECDSA (P-256) agent's external signature is malleable —
 * (r, s) and (r, n − s) both verify, so whoever can re-sign the block could also swap it —
 * and any signer can make many valid signatures of one message. Only the signer can change
 * the message. The one party who can make a new id for a hop is therefore its own
 * delegator, by signing a new hop: a new delegation, which revoking the delegator (its
 * agent DID, or the hop that gave it the token) is the way to stop.
 *
 * The Biscuit id (the signature) is still reported and checked: a revocation by either id
 * matches. It also covers what has no issuer beyond the holder: a first-party check-only
 * block, whose only id is its signature, re-signable like any block by whoever held the
 * secret before it.
 */

const AUTHORITY_LABEL = utf8ToBytes('agent-id/biscuit/revocation-id/v1\0authority\0');
const HOP_LABEL = utf8ToBytes('agent-id/biscuit/revocation-id/v1\0hop\0');

/** What hop 0's revocation id hashes: the label, then what the root signed (see the module comment). */
const authorityIdParts = (authority: SignedBlockView) => [AUTHORITY_LABEL, ...blockPayloadParts(authority, undefined)];

/** What a hop's revocation id hashes: the label, then what its delegating agent signed (the payload of the block's external signature). */
const hopIdParts = (block: SignedBlockView, previous: SignedBlockView) => [HOP_LABEL, ...externalPayloadParts(block, previous)];

/** Hop 0's revocation id: SHA-256 of what the root signed (see the module comment). */
export function authorityRevocationId(authority: SignedBlockView): string {
  return sha256Parts(authorityIdParts(authority), 'hex');
}

/**
 * A hop's revocation id: SHA-256 of what its delegating agent signed — the payload of the
 * block's external signature (version, Datalog, previous block's signature). Call only on
 * a third-party block of a token whose signatures verified.
 */
export function hopRevocationId(block: SignedBlockView, previous: SignedBlockView): string {
  return sha256Parts(hopIdParts(block, previous), 'hex');
}

/** What goes before the messages whose hashes are revocation ids (the labels above): `verifySignaturesAsync` joins them in. */
export const REVOCATION_ID_PREFIXES: IssuerPrefixes = { authority: AUTHORITY_LABEL, hop: HOP_LABEL };

/**
 * The revocation ids {@link authorityRevocationId} and {@link hopRevocationId} give, from
 * the messages `verifySignaturesAsync` joined after {@link REVOCATION_ID_PREFIXES} (by
 * block index), by the runtime's WebCrypto off Node; undefined where there is none. Each is
 * a hop's id only once the block is read as a hop.
 */
export function revocationIdsAsync(prefixedMessages: ReadonlyArray<Uint8Array | undefined>): Promise<Array<string | undefined>> {
  return Promise.all(prefixedMessages.map((message) => (message === undefined ? undefined : sha256PartsAsync([message], 'hex'))));
}

/** Biscuit's own revocation id of a block: its signature, in hex. */
export function blockRevocationId(block: SignedBlockView): string {
  return bytesToHex(block.signature);
}
