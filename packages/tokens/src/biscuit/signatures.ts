import { InvalidSignatureError, MalformedInputError, type PublicKey, UnsupportedAlgorithmError, base64urlEncode } from '@agent-id/core';
import { BoundedMap, type RawVerifier, concatBytes, ed25519PublicKeyFromSecretAsync, ed25519RawSign, ed25519RawVerifier, p256RawVerifier, publicKeyFromSecret, randomBytes, sha256Parts, sha256PartsAsync, utf8ToBytes } from '@agent-id/core/internal';
import { assertRootKey } from './keys.js';
import type { EnvelopeView, KeyView, SignedBlockView } from './proto/envelope.js';
import { verifyCached, verifyCachedAsync } from '../signature-cache.js';

/*
 * Biscuit's signature chain (SPECIFICATIONS.md "Cryptography"; biscuit-auth 6 crypto and
 * format modules), verified natively (node:crypto on Node; off Node with WebCrypto through
 * {@link verifySignaturesAsync}, else @noble/curves): block 0 by the root key, block i by the
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
// Versions and algorithms are 0 or 1: their encodings are made once (and only ever read).
const LE32_SMALL = [le32(0), le32(1)];
const le32Of = (value: number) => LE32_SMALL[value] ?? le32(value);

const hexOf = (y: bigint) => Uint8Array.from((y.toString(16).padStart(64, '0').match(/../g) ?? []).map((h) => Number.parseInt(h, 16)));
const keyId = (view: KeyView) => `${view.algorithm}:${base64urlEncode(view.key)}`;

/** The parts of what a block's signature covers, in order (`previous` undefined for the authority block). */
export function blockPayloadParts(block: SignedBlockView, previous: SignedBlockView | undefined): Uint8Array[] {
  const { version, nextKey } = block;
  if (version === 0) {
    return block.externalSignature ? [block.block, block.externalSignature, le32Of(nextKey.algorithm), nextKey.key] : [block.block, le32Of(nextKey.algorithm), nextKey.key];
  }
  const parts = [BLOCK_VERSION, le32Of(version), PAYLOAD, block.block, ALGORITHM, le32Of(nextKey.algorithm), NEXT_KEY, nextKey.key];
  if (previous) parts.push(PREVIOUS_SIGNATURE, previous.signature);
  if (block.externalSignature) parts.push(EXTERNAL_SIGNATURE, block.externalSignature);
  return parts;
}

/** What a block's signature covers (`previous` undefined for the authority block). */
export function blockPayload(block: SignedBlockView, previous: SignedBlockView | undefined): Uint8Array {
  return concatBytes(...blockPayloadParts(block, previous));
}

/** The parts of what a third-party block's external signature covers: its version, its Datalog and the previous block's signature. */
export function externalPayloadParts(block: SignedBlockView, previous: SignedBlockView): Uint8Array[] {
  return [EXTERNAL_VERSION, le32Of(block.version), PAYLOAD, block.block, PREVIOUS_SIGNATURE, previous.signature];
}

/** What a third-party block's external signature covers (see {@link externalPayloadParts}). */
export function externalPayload(block: SignedBlockView, previous: SignedBlockView): Uint8Array {
  return concatBytes(...externalPayloadParts(block, previous));
}

function sealPayloadParts(last: SignedBlockView): Uint8Array[] {
  return [last.block, le32Of(last.nextKey.algorithm), last.nextKey.key, last.signature];
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

/** Whether the 32-byte Ed25519 point encoding at `offset` is one of a small-order point (either sign). */
export function isSmallOrderEncoding(bytes: Uint8Array, offset = 0): boolean {
  if (bytes.length < offset + 32) return false;
  return SMALL_ORDER_Y.some((y) => {
    for (let i = 0; i < 31; i++) if (bytes[offset + i] !== y[i]) return false;
    return (bytes[offset + 31]! & 0x7f) === y[31];
  });
}

// Imported keys, by algorithm and bytes: importing is deterministic and carries no
// decision, so repeated tokens (and repeated ephemeral keys) skip it.
const MAX_CACHED_KEYS = 4096;
const keyObjects = new BoundedMap<string, RawVerifier>(MAX_CACHED_KEYS);

/**
 * A key from the envelope, ready to verify with. Ed25519 keys of small order are refused
 * (anyone could sign for them: a holder could otherwise let anyone re-sign the next block
 * and give it a new revocation id). The full subgroup check of `@agent-id/core` costs
 * about eight verifications, so ephemeral next keys (whose secret every holder of an
 * attenuable token has anyway) get only this one; root and delegator keys pass the full
 * check through their callers.
 */
function keyObject(view: KeyView, what: string, id = keyId(view)): RawVerifier {
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
  keyObjects.set(id, key);
  return key;
}

function verifies(view: KeyView, what: string, signature: Uint8Array, payload: Uint8Array): boolean {
  const id = keyId(view);
  const key = keyObject(view, what, id);
  return verifyCached(`biscuit:${id}`, signature, payload, () => verifiesNow(key, view.algorithm, signature, payload));
}

// Not async: each async layer that only returns another promise costs a promise and ticks, per signature.
function verifiesAsync(view: KeyView, what: string, signature: Uint8Array, payload: Uint8Array): Promise<boolean> {
  const id = keyId(view);
  const key = keyObject(view, what, id);
  return verifyCachedAsync(`biscuit:${id}`, signature, payload, () => verifiesNowAsync(key, view.algorithm, signature, payload));
}

// Biscuit's P-256 signatures are DER (OpenSSL refuses non-canonical DER, like RustCrypto).
function verifiesNow(key: RawVerifier, algorithm: number, signature: Uint8Array, payload: Uint8Array): boolean {
  if (algorithm === ED25519 && (signature.length !== 64 || isSmallOrderEncoding(signature, 0))) return false;
  return key.verify(signature, payload);
}

function verifiesNowAsync(key: RawVerifier, algorithm: number, signature: Uint8Array, payload: Uint8Array): Promise<boolean> {
  if (algorithm === ED25519 && (signature.length !== 64 || isSmallOrderEncoding(signature, 0))) return Promise.resolve(false);
  return key.verifyAsync(signature, payload);
}

function rootView(root: PublicKey): KeyView {
  return { algorithm: assertRootKey(root), key: root.bytes };
}

// The public key of each next secret seen, by a hash of the secret: deriving it costs
// about half a verification, and one token is usually verified many times.
const MAX_CACHED_SECRETS = 4096;
const secretPublics = new BoundedMap<string, string>(MAX_CACHED_SECRETS);
/** The public key (base64url: Ed25519 raw, P-256 compressed) of a next secret. */
const secretIdParts = (algorithm: number, secret: Uint8Array) => [secret, le32Of(algorithm)];
const secretId = (algorithm: number, secret: Uint8Array) => sha256Parts(secretIdParts(algorithm, secret), 'base64url');
function publicOfSecret(algorithm: number, secret: Uint8Array, id = secretId(algorithm, secret)): string {
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
  secretPublics.set(id, publicKey);
  return publicKey;
}

/** {@link publicOfSecret}, an Ed25519 key derived by WebCrypto off Node (where it can). */
async function publicOfSecretAsync(algorithm: number, secret: Uint8Array): Promise<string> {
  const id = await sha256PartsAsync(secretIdParts(algorithm, secret), 'base64url');
  if (algorithm === ED25519 && secret.length === 32 && !secretPublics.has(id)) {
    const derived = await ed25519PublicKeyFromSecretAsync(secret);
    if (derived !== undefined) secretPublics.set(id, base64urlEncode(derived));
  }
  return publicOfSecret(algorithm, secret, id);
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

/** A signature a token's verification checks, and how it is refused when it does not verify. */
interface SignatureCheck {
  key: KeyView;
  /** The key, as a refusal of it names it. */
  what: string;
  signature: Uint8Array;
  /** What the signature covers, in parts (joined when it is checked). */
  parts: Uint8Array[];
  refusal: string;
  check: 'signature' | 'proof';
}

// The synchronous path checks one signature at a time: each payload is joined into this
// buffer, not into a fresh one (a few KiB of external memory per token, which V8 collects
// for). The signature cache copies a payload it keeps.
let payloadScratch = new Uint8Array(8192);
function joinedInScratch(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  if (length > payloadScratch.length) payloadScratch = new Uint8Array(Math.max(length, 2 * payloadScratch.length));
  let offset = 0;
  for (const part of parts) {
    payloadScratch.set(part, offset);
    offset += part.length;
  }
  return payloadScratch.subarray(0, length);
}

/**
 * The signatures of blocks `from` onwards (each block's, then its external signature) and
 * a sealed token's seal, in the order their refusals are reported.
 */
function signatureChecks(envelope: EnvelopeView, from: number): SignatureCheck[] {
  const { blocks, proof } = envelope;
  const checks: SignatureCheck[] = [];
  for (let i = from; i < blocks.length; i++) {
    const block = blocks[i]!;
    const previous = blocks[i - 1]!;
    checks.push({ key: previous.nextKey, what: `block ${i - 1}'s next key`, signature: block.signature, parts: blockPayloadParts(block, previous), refusal: `biscuit: block ${i}'s signature does not verify`, check: 'signature' });
    if (block.externalKey && block.externalSignature) {
      checks.push({ key: block.externalKey, what: `block ${i}'s external key`, signature: block.externalSignature, parts: externalPayloadParts(block, previous), refusal: `biscuit: block ${i}'s external signature does not verify`, check: 'signature' });
    }
  }
  const last = blocks.at(-1)!;
  if (proof.kind === 'seal') checks.push({ key: last.nextKey, what: 'the last next key', signature: proof.value, parts: sealPayloadParts(last), refusal: 'biscuit: the sealing signature does not verify', check: 'proof' });
  return checks;
}

const refusalOf = (check: SignatureCheck) => new InvalidSignatureError(check.refusal, { check: check.check });

function authorityRefusal(roots: readonly PublicKey[]): InvalidSignatureError {
  return new InvalidSignatureError(
    roots.length === 1 ? 'biscuit: the authority block is not signed by the trusted root key' : 'biscuit: no trusted root key verifies the token',
    { check: roots.length === 1 ? 'signature' : 'root_key' },
  );
}

/** An attenuable token's proof, the secret of its last next key, whose public key is `derived`. */
function assertSecretProof(envelope: EnvelopeView, derived: string): void {
  if (derived !== base64urlEncode(envelope.blocks.at(-1)!.nextKey.key)) {
    throw new InvalidSignatureError("biscuit: the proof does not match the last block's next key", { check: 'proof' });
  }
}

/** What is refused before any signature is checked: no roots (a caller's bug), a root that is not Ed25519, an unknown signature version. */
function assertVerifiable(envelope: EnvelopeView, roots: readonly PublicKey[]): void {
  if (roots.length === 0) throw new TypeError('at least one trusted Biscuit root public key is required');
  for (const root of roots) assertRootKey(root);
  envelope.blocks.forEach((block, i) => {
    if (block.version > 1) throw new MalformedInputError(`biscuit: block ${i} has signature version ${block.version}, which is not supported`, { check: 'version' });
    if (block.externalKey && block.version !== 1) throw new MalformedInputError(`biscuit: third-party block ${i} has signature version ${block.version}, not 1`, { check: 'version' });
  });
}

/** @internal Counts {@link verifySignatures} and {@link verifySignaturesAsync} calls, so tests can tell a refusal verified a token once. */
export const signatureRuns = { count: 0 };

/** Signatures already verified: the first `blocks` blocks are, byte for byte, blocks whose signatures verified under `root` (see `blockRuns`). */
export interface VerifiedBefore {
  blocks: number;
  root: PublicKey;
}

/**
 * Verifies every signature of a serialized Biscuit, synchronously (natively on Node; with
 * @noble/curves elsewhere, about ten times slower than {@link verifySignaturesAsync}): the
 * authority block against one of `roots` (Ed25519 only, the first that verifies), each
 * following block against the previous block's next key, each external signature against
 * its key, and the proof. Returns the root that verified; throws `invalid_signature`
 * (check `signature`, `root_key` or `proof`), `malformed_input` or `unsupported_algorithm`.
 */
export function verifySignatures(envelope: EnvelopeView, roots: readonly PublicKey[], verifiedBefore?: VerifiedBefore): PublicKey {
  signatureRuns.count++;
  assertVerifiable(envelope, roots);
  const authority = envelope.blocks[0]!;
  let root = verifiedBefore?.root;
  if (root === undefined) {
    const payload = blockPayload(authority, undefined);
    root = roots.find((r) => verifies(rootView(r), 'the root key', authority.signature, payload));
    if (root === undefined) throw authorityRefusal(roots);
  }
  for (const check of signatureChecks(envelope, verifiedBefore?.blocks ?? 1)) {
    if (!verifies(check.key, check.what, check.signature, joinedInScratch(check.parts))) throw refusalOf(check);
  }
  const { proof } = envelope;
  if (proof.kind === 'secret') assertSecretProof(envelope, publicOfSecret(envelope.blocks.at(-1)!.nextKey.algorithm, proof.value));
  return root;
}

type Settled<T> = { value: T } | { error: unknown };
/** `run()`'s outcome, a throw included (a function that throws before it returns a promise is refused in order too). */
function settle<T>(run: () => Promise<T>): Promise<Settled<T>> {
  let running: Promise<T>;
  try {
    running = run();
  } catch (error) {
    return Promise.resolve({ error });
  }
  return running.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}
const unwrap = <T>(settled: Settled<T>): T => {
  if ('error' in settled) throw settled.error;
  return settled.value;
};

/**
 * {@link verifySignatures} with WebCrypto off Node (natively on Node): every signature
 * check and the proof's key derivation start at once, and are then decided in the same
 * order as there, so a token gets the same verdict and the same refusal either way.
 * Synchronous until the checks have started: a caller can do other work before awaiting.
 */
export async function verifySignaturesAsync(envelope: EnvelopeView, roots: readonly PublicKey[], verifiedBefore?: VerifiedBefore): Promise<PublicKey> {
  signatureRuns.count++;
  assertVerifiable(envelope, roots);
  const authority = envelope.blocks[0]!;
  const payload = verifiedBefore === undefined ? blockPayload(authority, undefined) : undefined;
  const rootChecks = payload === undefined ? [] : roots.map((r) => settle(() => verifiesAsync(rootView(r), 'the root key', authority.signature, payload)));
  const checks = signatureChecks(envelope, verifiedBefore?.blocks ?? 1);
  const results = checks.map((check) => settle(() => verifiesAsync(check.key, check.what, check.signature, concatBytes(...check.parts))));
  const { proof } = envelope;
  const derived = proof.kind === 'secret' ? settle(() => publicOfSecretAsync(envelope.blocks.at(-1)!.nextKey.algorithm, proof.value)) : undefined;
  let root = verifiedBefore?.root;
  for (let i = 0; root === undefined && i < rootChecks.length; i++) if (unwrap(await rootChecks[i]!)) root = roots[i];
  if (root === undefined) throw authorityRefusal(roots);
  for (let i = 0; i < checks.length; i++) if (!unwrap(await results[i]!)) throw refusalOf(checks[i]!);
  if (derived !== undefined) assertSecretProof(envelope, unwrap(await derived));
  return root;
}

/** The envelope's encoded blocks as one run of bytes: a view when they lie end to end (as every writer lays them out), else a copy. */
function encodedRun(fields: readonly Uint8Array[]): Uint8Array {
  const first = fields[0]!;
  let length = 0;
  for (const f of fields) {
    if (f.buffer !== first.buffer || f.byteOffset !== first.byteOffset + length) return concatBytes(...fields);
    length += f.length;
  }
  return new Uint8Array(first.buffer, first.byteOffset, length);
}

/** A run of a read token's blocks as encoded, named by the signature of its last block (a name only: a run is its bytes, compared whole). */
export interface BlockRun {
  id: string;
  encoded: Uint8Array;
}

/**
 * A read token's blocks (their fields as encoded, in order, the proof excluded): all of
 * them, and all but the last. Two runs of equal bytes are the same blocks, which read the
 * same, so what was verified of one holds for the other.
 */
export function blockRuns(envelope: EnvelopeView): { parent: BlockRun | undefined; all: BlockRun } {
  const fields = envelope.encodedBlocks;
  const { blocks } = envelope;
  if (fields === undefined || fields.length !== blocks.length) throw new TypeError('blockRuns takes an envelope as read');
  const encoded = encodedRun(fields);
  const all = { id: base64urlEncode(blocks.at(-1)!.signature), encoded };
  if (fields.length === 1) return { parent: undefined, all };
  return { parent: { id: base64urlEncode(blocks.at(-2)!.signature), encoded: encoded.subarray(0, encoded.length - fields.at(-1)!.length) }, all };
}
