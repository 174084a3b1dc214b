import { type KeyObject, createECDH, createHash, createPrivateKey, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { InvalidSignatureError, MalformedInputError, type PublicKey, UnsupportedAlgorithmError } from '@agent-id/core';
import { assertRootKey } from './keys.js';
import type { EnvelopeView, KeyView, SignedBlockView } from './proto/envelope.js';
import { verifyCached } from '../signature-cache.js';

/*
 * Biscuit's signature chain (SPECIFICATIONS.md "Cryptography"; biscuit-auth 6 crypto and
 * format modules), verified with node:crypto: block 0 by the root key, block i by the
 * next key block i-1 carries, each third-party block's external signature by its external
 * key, and the proof (the last next key's secret, or the sealing signature). Payload
 * version 0 is the original concatenation; version 1 labels each part and binds the
 * previous block's signature. Third-party blocks must be version 1 (as biscuit-auth
 * requires when it parses a token), so their external signature covers the previous
 * signature and cannot be moved to another token.
 */

const ED25519 = 0;
const P256 = 1;

const label = (text: string) => Buffer.from(text, 'latin1');
const BLOCK_VERSION = label('\0BLOCK\0\0VERSION\0');
const EXTERNAL_VERSION = label('\0EXTERNAL\0\0VERSION\0');
const PAYLOAD = label('\0PAYLOAD\0');
const ALGORITHM = label('\0ALGORITHM\0');
const NEXT_KEY = label('\0NEXTKEY\0');
const PREVIOUS_SIGNATURE = label('\0PREVSIG\0');
const EXTERNAL_SIGNATURE = label('\0EXTERNALSIG\0');

const P256_COMPRESSED_SPKI = Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex');

function le32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value >>> 0);
  return out;
}

/** What a block's signature covers (`previous` undefined for the authority block). */
export function blockPayload(block: SignedBlockView, previous: SignedBlockView | undefined): Buffer {
  const { version, nextKey } = block;
  if (version === 0) {
    return Buffer.concat([block.block, ...(block.externalSignature ? [block.externalSignature] : []), le32(nextKey.algorithm), nextKey.key]);
  }
  const parts = [BLOCK_VERSION, le32(version), PAYLOAD, block.block, ALGORITHM, le32(nextKey.algorithm), NEXT_KEY, nextKey.key];
  if (previous) parts.push(PREVIOUS_SIGNATURE, previous.signature);
  if (block.externalSignature) parts.push(EXTERNAL_SIGNATURE, block.externalSignature);
  return Buffer.concat(parts);
}

/** What a third-party block's external signature covers: its version, its Datalog and the previous block's signature. */
export function externalPayload(block: SignedBlockView, previous: SignedBlockView): Buffer {
  return Buffer.concat([EXTERNAL_VERSION, le32(block.version), PAYLOAD, block.block, PREVIOUS_SIGNATURE, previous.signature]);
}

function sealPayload(last: SignedBlockView): Buffer {
  return Buffer.concat([last.block, le32(last.nextKey.algorithm), last.nextKey.key, last.signature]);
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
].map((y) => Buffer.from(y.toString(16).padStart(64, '0'), 'hex').reverse());

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
const keyObjects = new Map<string, KeyObject>();

/**
 * A key from the envelope as a node:crypto key. Ed25519 keys of small order are refused
 * (anyone could sign for them: a holder could otherwise let anyone re-sign the next block
 * and give it a new revocation id). The full subgroup check of `@agent-id/core` costs
 * about eight verifications, so ephemeral next keys (whose secret every holder of an
 * attenuable token has anyway) get only this one; root and delegator keys pass the full
 * check through their callers.
 */
function keyObject(view: KeyView, what: string): KeyObject {
  const id = `${view.algorithm}:${Buffer.from(view.key.buffer, view.key.byteOffset, view.key.byteLength).toString('base64')}`;
  const cached = keyObjects.get(id);
  if (cached) return cached;
  let key: KeyObject;
  try {
    if (view.algorithm === ED25519 && view.key.length === 32) {
      if (isSmallOrderEncoding(view.key)) throw new RangeError('a point of small order');
      // JWK import is about ten times faster than SPKI for Ed25519 here.
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(view.key).toString('base64url') }, format: 'jwk' });
    } else if (view.algorithm === P256 && view.key.length === 33) {
      key = createPublicKey({ key: Buffer.concat([P256_COMPRESSED_SPKI, view.key]), format: 'der', type: 'spki' });
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
  const id = `biscuit:${view.algorithm}:${Buffer.from(view.key.buffer, view.key.byteOffset, view.key.byteLength).toString('base64')}`;
  return verifyCached(id, signature, payload, () => verifiesNow(key, algorithm, signature, payload));
}

function verifiesNow(key: KeyObject, algorithm: number, signature: Uint8Array, payload: Uint8Array): boolean {
  try {
    // Biscuit's P-256 signatures are DER (OpenSSL refuses non-canonical DER, like RustCrypto).
    if (algorithm === ED25519) return signature.length === 64 && !isSmallOrderEncoding(signature.subarray(0, 32)) && nodeVerify(null, payload, key, signature);
    return nodeVerify('sha256', payload, { key, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

function rootView(root: PublicKey): KeyView {
  return { algorithm: assertRootKey(root), key: root.bytes };
}

// The public key of each next secret seen, by a hash of the secret: deriving it costs
// about half a verification, and one token is usually verified many times.
const MAX_CACHED_SECRETS = 4096;
const secretPublics = new Map<string, string>();
// DER of PrivateKeyInfo { version 0, algorithm id-Ed25519 (1.3.101.112), OCTET STRING { OCTET STRING (32) } } before the seed (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function ed25519PublicViaPkcs8(secret: Uint8Array): string {
  return createPublicKey(createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, secret]), format: 'der', type: 'pkcs8' })).export({ format: 'jwk' }).x as string;
}

function ed25519PublicViaJwk(secret: Uint8Array): string {
  return createPublicKey(createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(secret).toString('base64url'), x: '' }, format: 'jwk' })).export({ format: 'jwk' }).x as string;
}

/**
 * How this Node line derives an Ed25519 public key from a seed, chosen once by the RFC 8032
 * test 1 vector: a JWK with an empty `x` (about a tenth of the cost of PKCS#8 on Node 20 and
 * 22, whose OpenSSL decoders are slow) where it gives the right key, else a PKCS#8 seed
 * (Node 24.22 and 26 refuse such a JWK; their PKCS#8 import is fast).
 */
const ed25519PublicOf: (secret: Uint8Array) => string = (() => {
  const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
  const expected = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex').toString('base64url');
  try {
    if (ed25519PublicViaJwk(seed) === expected) return ed25519PublicViaJwk;
  } catch {
    // This Node line refuses a JWK without `x`.
  }
  return ed25519PublicViaPkcs8;
})();

/** The public key (base64url: Ed25519 raw, P-256 compressed) of a next secret. */
function publicOfSecret(algorithm: number, secret: Uint8Array): string {
  const id = createHash('sha256').update(secret).update(le32(algorithm)).digest('base64');
  const cached = secretPublics.get(id);
  if (cached !== undefined) return cached;
  let publicKey: string;
  try {
    if (secret.length !== 32) throw new RangeError('a next secret is 32 bytes');
    if (algorithm === ED25519) {
      publicKey = ed25519PublicOf(secret);
    } else if (algorithm === P256) {
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(secret);
      publicKey = ecdh.getPublicKey(undefined, 'compressed').toString('base64url');
    } else {
      throw new RangeError(`algorithm ${algorithm}`);
    }
  } catch (cause) {
    throw new MalformedInputError('biscuit: the proof is not a valid secret key for the last next key', { check: 'proof', cause });
  }
  if (secretPublics.size >= MAX_CACHED_SECRETS) secretPublics.delete(secretPublics.keys().next().value as string);
  secretPublics.set(id, publicKey);
  return publicKey;
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
  if (publicOfSecret(last.nextKey.algorithm, proof.value) !== Buffer.from(last.nextKey.key).toString('base64url')) {
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
 * Verifies every signature of a serialized Biscuit with node:crypto: the authority block
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

function u32(view: DataView, at: number, value: number): void {
  view.setUint32(at, value >>> 0);
}

/**
 * Digests naming a token's blocks exactly (every signed field, length-prefixed, in order,
 * the proof excluded): of all its blocks but the last, and of all of them. Two tokens whose
 * digests are equal carry the same blocks, so what was verified of one holds for the other.
 */
export function blocksDigests(blocks: readonly SignedBlockView[]): { parent: string | undefined; all: string } {
  const hash = createHash('sha256');
  const header = Buffer.alloc(36);
  const view = new DataView(header.buffer, header.byteOffset, header.length);
  let parent: string | undefined;
  for (let i = 0; i < blocks.length; i++) {
    if (i === blocks.length - 1 && i > 0) parent = hash.copy().digest('base64');
    const b = blocks[i]!;
    u32(view, 0, b.version);
    u32(view, 4, b.block.length);
    u32(view, 8, b.signature.length);
    u32(view, 12, b.nextKey.algorithm);
    u32(view, 16, b.nextKey.key.length);
    u32(view, 20, (b.externalKey ? 1 : 0) | (b.externalSignature ? 2 : 0));
    u32(view, 24, b.externalKey?.algorithm ?? 0);
    u32(view, 28, b.externalKey?.key.length ?? 0);
    u32(view, 32, b.externalSignature?.length ?? 0);
    hash.update(header).update(b.block).update(b.signature).update(b.nextKey.key);
    if (b.externalKey) hash.update(b.externalKey.key);
    if (b.externalSignature) hash.update(b.externalSignature);
  }
  return { parent, all: hash.digest('base64') };
}
