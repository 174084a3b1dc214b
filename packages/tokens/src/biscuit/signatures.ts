import { InvalidSignatureError, MalformedInputError, type PublicKey, UnsupportedAlgorithmError, base64urlEncode } from '@agent-id/core';
import { PLATFORM, type RawVerifier, concatBytes, ed25519PublicKeyFromSecretAsync, ed25519RawSign, ed25519RawVerifier, p256RawVerifier, publicKeyFromSecret, randomBytes, sha256, utf8ToBytes } from '@agent-id/core/internal';
import { assertRootKey } from './keys.js';
import type { EnvelopeView, KeyView, SignedBlockView } from './proto/envelope.js';
import { knownVerified, rememberVerified, verifyCached } from '../signature-cache.js';

/*
 * Biscuit's signature chain (SPECIFICATIONS.md "Cryptography"; biscuit-auth 6 crypto and
 * format modules), verified natively (node:crypto on Node; off Node with WebCrypto through
 * {@link preverifySignatures}, else @noble/curves): block 0 by the root key, block i by the
 * next key block i-1 carries, each third-party block's external signature by its external
 * key, and the proof (the last next key's secret, or the sealing signature). Payload
 * version 0 is the original concatenation; version 1 labels each part and binds the
 * previous block's signature. Third-party blocks must be version 1 (as biscuit-auth
 * requires when it parses a token), so their external signature covers the previous
 * signature and cannot be moved to another token.
 */

const ED25519 = 0;
const P256 = 1;

const label = (text: string) => utf8ToBytes(text); // ASCII
const BLOCK_VERSION = label('\0BLOCK\0\0VERSION\0');
const EXTERNAL_VERSION = label('\0EXTERNAL\0\0VERSION\0');
const PAYLOAD = label('\0PAYLOAD\0');
const ALGORITHM = label('\0ALGORITHM\0');
const NEXT_KEY = label('\0NEXTKEY\0');
const PREVIOUS_SIGNATURE = label('\0PREVSIG\0');
const EXTERNAL_SIGNATURE = label('\0EXTERNALSIG\0');

function le32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0, true);
  return out;
}

const hexOf = (y: bigint) => Uint8Array.from((y.toString(16).padStart(64, '0').match(/../g) ?? []).map((h) => Number.parseInt(h, 16)));
const keyId = (view: KeyView) => `${view.algorithm}:${base64urlEncode(view.key)}`;

/** What a block's signature covers (`previous` undefined for the authority block). */
export function blockPayload(block: SignedBlockView, previous: SignedBlockView | undefined): Uint8Array {
  const { version, nextKey } = block;
  if (version === 0) {
    return concatBytes(block.block, ...(block.externalSignature ? [block.externalSignature] : []), le32(nextKey.algorithm), nextKey.key);
  }
  const parts = [BLOCK_VERSION, le32(version), PAYLOAD, block.block, ALGORITHM, le32(nextKey.algorithm), NEXT_KEY, nextKey.key];
  if (previous) parts.push(PREVIOUS_SIGNATURE, previous.signature);
  if (block.externalSignature) parts.push(EXTERNAL_SIGNATURE, block.externalSignature);
  return concatBytes(...parts);
}

/** What a third-party block's external signature covers: its version, its Datalog and the previous block's signature. */
export function externalPayload(block: SignedBlockView, previous: SignedBlockView): Uint8Array {
  return concatBytes(EXTERNAL_VERSION, le32(block.version), PAYLOAD, block.block, PREVIOUS_SIGNATURE, previous.signature);
}

function sealPayload(last: SignedBlockView): Uint8Array {
  return concatBytes(last.block, le32(last.nextKey.algorithm), last.nextKey.key, last.signature);
}

const P = 2n ** 255n - 19n;
/**
 * The y coordinates (sign bit aside) of the eight points of small order on edwards25519,
 * with the non-canonical encodings of 0 and 1: the identity (1, p + 1), order 2 (p − 1),
 * order 4 (0, p) and the two y values of the order-8 points. A key among them verifies
 * forged signatures; a signature whose R is among them is refused by biscuit-auth
 * (`verify_strict`), as it is here.
 */
const SMALL_ORDER_Y = [
  0n,
  1n,
  P - 1n,
  P,
  P + 1n,
  2707385501144840649318225287225658788936804267575313519463743609750303402022n,
  55188659117513257062467267217118295137698188065244968500265048394206261417927n,
].map((y) => hexOf(y).reverse());

/** Whether a 32-byte Ed25519 point encoding is one of a small-order point (either sign). */
export function isSmallOrderEncoding(bytes: Uint8Array): boolean {
  if (bytes.length !== 32) return false;
  return SMALL_ORDER_Y.some((y) => {
    for (let i = 0; i < 31; i++) if (bytes[i] !== y[i]) return false;
    return (bytes[31]! & 0x7f) === y[31];
  });
}

// Imported keys, by algorithm and bytes: importing is deterministic and carries no
// decision, so repeated tokens (and repeated ephemeral keys) skip it.
const MAX_CACHED_KEYS = 4096;
const keyObjects = new Map<string, RawVerifier>();

/**
 * A key from the envelope, ready to verify with. Ed25519 keys of small order are refused
 * (anyone could sign for them: a holder could otherwise let anyone re-sign the next block
 * and give it a new revocation id). The full subgroup check of `@agent-id/core` costs
 * about eight verifications, so ephemeral next keys (whose secret every holder of an
 * attenuable token has anyway) get only this one; root and delegator keys pass the full
 * check through their callers.
 */
function keyObject(view: KeyView, what: string): RawVerifier {
  const id = keyId(view);
  const cached = keyObjects.get(id);
  if (cached) return cached;
  let key: RawVerifier;
  try {
    if (view.algorithm === ED25519 && view.key.length === 32) {
      if (isSmallOrderEncoding(view.key)) throw new RangeError('a point of small order');
      key = ed25519RawVerifier(view.key);
    } else if (view.algorithm === P256 && view.key.length === 33) {
      if (view.key[0] !== 2 && view.key[0] !== 3) throw new RangeError('not a compressed point');
      key = p256RawVerifier(view.key, 'der');
    } else if (view.algorithm === ED25519 || view.algorithm === P256) {
      throw new RangeError(`${view.key.length} bytes`);
    } else {
      throw new UnsupportedAlgorithmError(`biscuit: ${what} has algorithm ${view.algorithm}; Ed25519 (0) and P-256 (1) are supported`, { check: 'key_type' });
    }
  } catch (cause) {
    if (cause instanceof UnsupportedAlgorithmError) throw cause;
    throw new MalformedInputError(`biscuit: ${what} is not a valid public key`, { check: 'public_key', cause });
  }
  if (keyObjects.size >= MAX_CACHED_KEYS) keyObjects.delete(keyObjects.keys().next().value as string);
  keyObjects.set(id, key);
  return key;
}

function verifies(view: KeyView, what: string, signature: Uint8Array, payload: Uint8Array): boolean {
  const key = keyObject(view, what);
  const algorithm = view.algorithm;
  return verifyCached(`biscuit:${keyId(view)}`, signature, payload, () => verifiesNow(key, algorithm, signature, payload));
}

// Biscuit's P-256 signatures are DER (OpenSSL refuses non-canonical DER, like RustCrypto).
function verifiesNow(key: RawVerifier, algorithm: number, signature: Uint8Array, payload: Uint8Array): boolean {
  if (algorithm === ED25519 && (signature.length !== 64 || isSmallOrderEncoding(signature.subarray(0, 32)))) return false;
  return key.verify(signature, payload);
}

async function verifiesNowAsync(key: RawVerifier, algorithm: number, signature: Uint8Array, payload: Uint8Array): Promise<boolean> {
  if (algorithm === ED25519 && (signature.length !== 64 || isSmallOrderEncoding(signature.subarray(0, 32)))) return false;
  return key.verifyAsync(signature, payload);
}

function rootView(root: PublicKey): KeyView {
  return { algorithm: assertRootKey(root), key: root.bytes };
}

// The public key of each next secret seen, by a hash of the secret: deriving it costs
// about half a verification, and one token is usually verified many times.
const MAX_CACHED_SECRETS = 4096;
const secretPublics = new Map<string, string>();
/** The public key (base64url: Ed25519 raw, P-256 compressed) of a next secret. */
const secretId = (algorithm: number, secret: Uint8Array) => base64urlEncode(sha256(concatBytes(secret, le32(algorithm))));
function rememberSecretPublic(id: string, publicKey: string): void {
  if (secretPublics.size >= MAX_CACHED_SECRETS) secretPublics.delete(secretPublics.keys().next().value as string);
  secretPublics.set(id, publicKey);
}
function publicOfSecret(algorithm: number, secret: Uint8Array): string {
  const id = secretId(algorithm, secret);
  const cached = secretPublics.get(id);
  if (cached !== undefined) return cached;
  let publicKey: string;
  try {
    if (secret.length !== 32) throw new RangeError('a next secret is 32 bytes');
    if (algorithm === ED25519 || algorithm === P256) {
      publicKey = base64urlEncode(publicKeyFromSecret(algorithm === ED25519 ? 'Ed25519' : 'P-256', secret));
    } else {
      throw new RangeError(`algorithm ${algorithm}`);
    }
  } catch (cause) {
    throw new MalformedInputError('biscuit: the proof is not a valid secret key for the last next key', { check: 'proof', cause });
  }
  rememberSecretPublic(id, publicKey);
  return publicKey;
}

/** An ephemeral Ed25519 next key: the secret a token carries as its proof, and its public key. */
export interface NextKey {
  secret: Uint8Array;
  publicKey: Uint8Array;
}

/**
 * A fresh next key. Derived here rather than as a core `KeyPair`, whose strict point
 * checks (meant for keys that carry authority) cost about eight verifications; a next key
 * carries none (every holder of the token has its secret).
 */
export function newNextKey(): NextKey {
  const secret = randomBytes(32);
  return { secret, publicKey: publicKeyFromSecret('Ed25519', secret) };
}

/** Signs the block after a next key with its secret (the token's proof): Ed25519, as every next key of this profile. */
export function signWithNextSecret(secret: Uint8Array, payload: Uint8Array): Uint8Array {
  // Not a core KeyPair: its strict point checks (for keys that carry authority) cost about eight verifications.
  return ed25519RawSign(secret, payload);
}

function assertProof(envelope: EnvelopeView): void {
  const last = envelope.blocks.at(-1)!;
  const { proof } = envelope;
  if (proof.kind === 'seal') {
    if (!verifies(last.nextKey, 'the last next key', proof.value, sealPayload(last))) {
      throw new InvalidSignatureError('biscuit: the sealing signature does not verify', { check: 'proof' });
    }
    return;
  }
  if (publicOfSecret(last.nextKey.algorithm, proof.value) !== base64urlEncode(last.nextKey.key)) {
    throw new InvalidSignatureError("biscuit: the proof does not match the last block's next key", { check: 'proof' });
  }
}

/** Block 0 under each trusted root in turn: the root that verifies it. */
function authorityRoot(authority: SignedBlockView, roots: readonly PublicKey[]): PublicKey {
  const payload = blockPayload(authority, undefined);
  for (const root of roots) {
    const view = rootView(root);
    if (verifies(view, 'the root key', authority.signature, payload)) return root;
  }
  throw new InvalidSignatureError(
    roots.length === 1 ? 'biscuit: the authority block is not signed by the trusted root key' : 'biscuit: no trusted root key verifies the token',
    { check: roots.length === 1 ? 'signature' : 'root_key' },
  );
}

/** @internal Counts {@link verifySignatures} calls, so tests can tell a refusal verified a token once. */
export const signatureRuns = { count: 0 };

/**
 * Verifies every signature of a serialized Biscuit (natively on Node; elsewhere run
 * {@link preverifySignatures} first, or @noble/curves does it): the authority block
 * against one of `roots` (Ed25519 only), each following block against the previous
 * block's next key, each external signature against its key, and the proof. Returns the
 * root that verified; throws `invalid_signature` (check `signature`, `root_key` or
 * `proof`), `malformed_input` or `unsupported_algorithm`.
 */
export function verifySignatures(envelope: EnvelopeView, roots: readonly PublicKey[], verifiedBefore?: { blocks: number; root: PublicKey }): PublicKey {
  signatureRuns.count++;
  if (roots.length === 0) throw new TypeError('at least one trusted Biscuit root public key is required');
  for (const root of roots) assertRootKey(root);
  const { blocks } = envelope;
  blocks.forEach((block, i) => {
    if (block.version > 1) throw new MalformedInputError(`biscuit: block ${i} has signature version ${block.version}, which is not supported`, { check: 'version' });
    if (block.externalKey && block.version !== 1) throw new MalformedInputError(`biscuit: third-party block ${i} has signature version ${block.version}, not 1`, { check: 'version' });
  });
  // The first `verifiedBefore.blocks` blocks are, byte for byte, blocks whose signatures verified (see `blocksDigests`).
  const root = verifiedBefore ? verifiedBefore.root : authorityRoot(blocks[0]!, roots);
  for (let i = verifiedBefore ? verifiedBefore.blocks : 1; i < blocks.length; i++) {
    const block = blocks[i]!;
    const previous = blocks[i - 1]!;
    const key = previous.nextKey;
    if (!verifies(key, `block ${i - 1}'s next key`, block.signature, blockPayload(block, previous))) {
      throw new InvalidSignatureError(`biscuit: block ${i}'s signature does not verify`, { check: 'signature' });
    }
    if (block.externalKey && block.externalSignature) {
      const external = block.externalKey;
      if (!verifies(external, `block ${i}'s external key`, block.externalSignature, externalPayload(block, previous))) {
        throw new InvalidSignatureError(`biscuit: block ${i}'s external signature does not verify`, { check: 'signature' });
      }
    }
  }
  assertProof(envelope);
  return root;
}

/**
 * Off Node, verifies the token's signatures with WebCrypto ahead of {@link verifySignatures}
 * and remembers those that verify in the signature cache, so that the synchronous pass
 * finds them there instead of verifying each with @noble/curves (about ten times slower).
 * Decides nothing: whatever fails or is malformed here is left to the synchronous pass,
 * which refuses it with its code. On Node (native and synchronous already) it does nothing.
 */
export async function preverifySignatures(envelope: EnvelopeView, roots: readonly PublicKey[]): Promise<void> {
  if (PLATFORM === 'node') return;
  const work: Promise<void>[] = [];
  const check = (view: KeyView, signature: Uint8Array, payload: Uint8Array) => {
    let key: RawVerifier;
    try {
      key = keyObject(view, 'a key');
    } catch {
      return;
    }
    // Already verified (a parent's blocks, a token seen before): no WebCrypto call for it.
    if (knownVerified(`biscuit:${keyId(view)}`, signature, payload)) return;
    work.push(
      verifiesNowAsync(key, view.algorithm, signature, payload).then(
        (ok) => {
          if (ok) rememberVerified(`biscuit:${keyId(view)}`, signature, payload);
        },
        () => {},
      ),
    );
  };
  const { blocks, proof } = envelope;
  const authority = blocks[0];
  if (!authority) return;
  const authorityPayload = blockPayload(authority, undefined);
  for (const root of roots) {
    if (root.type === 'Ed25519') check({ algorithm: ED25519, key: root.bytes }, authority.signature, authorityPayload);
  }
  for (let i = 1; i < blocks.length; i++) {
    const block = blocks[i]!;
    const previous = blocks[i - 1]!;
    check(previous.nextKey, block.signature, blockPayload(block, previous));
    if (block.externalKey && block.externalSignature && block.version === 1) check(block.externalKey, block.externalSignature, externalPayload(block, previous));
  }
  const last = blocks.at(-1)!;
  if (proof.kind === 'seal') check(last.nextKey, proof.value, sealPayload(last));
  else if (last.nextKey.algorithm === ED25519 && proof.value.length === 32) {
    // The proof's public key, derived by WebCrypto here rather than by @noble/curves in the
    // synchronous pass (which compares it with the last next key, and derives it itself when
    // this could not).
    const id = secretId(ED25519, proof.value);
    if (!secretPublics.has(id)) {
      work.push(
        ed25519PublicKeyFromSecretAsync(proof.value).then(
          (publicKey) => {
            if (publicKey !== undefined) rememberSecretPublic(id, base64urlEncode(publicKey));
          },
          () => {},
        ),
      );
    }
  }
  await Promise.all(work);
}

function u32(view: DataView, at: number, value: number): void {
  view.setUint32(at, value >>> 0);
}

/**
 * Digests naming a token's blocks exactly (every signed field, length-prefixed, in order,
 * the proof excluded): of all its blocks but the last, and of all of them. Two tokens whose
 * digests are equal carry the same blocks, so what was verified of one holds for the other.
 */
export function blocksDigests(blocks: readonly SignedBlockView[]): { parent: string | undefined; all: string } {
  const parts: Uint8Array[] = [];
  let parent: string | undefined;
  for (let i = 0; i < blocks.length; i++) {
    if (i === blocks.length - 1 && i > 0) parent = base64urlEncode(sha256(concatBytes(...parts)));
    const b = blocks[i]!;
    const header = new Uint8Array(36);
    const view = new DataView(header.buffer);
    u32(view, 0, b.version);
    u32(view, 4, b.block.length);
    u32(view, 8, b.signature.length);
    u32(view, 12, b.nextKey.algorithm);
    u32(view, 16, b.nextKey.key.length);
    u32(view, 20, (b.externalKey ? 1 : 0) | (b.externalSignature ? 2 : 0));
    u32(view, 24, b.externalKey?.algorithm ?? 0);
    u32(view, 28, b.externalKey?.key.length ?? 0);
    u32(view, 32, b.externalSignature?.length ?? 0);
    parts.push(header, b.block, b.signature, b.nextKey.key);
    if (b.externalKey) parts.push(b.externalKey.key);
    if (b.externalSignature) parts.push(b.externalSignature);
  }
  return { parent, all: base64urlEncode(sha256(concatBytes(...parts))) };
}
