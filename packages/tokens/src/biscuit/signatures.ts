import { InvalidSignatureError, MalformedInputError, type PublicKey, UnsupportedAlgorithmError, base64urlEncode } from '@agent-id/core';
import {
  BoundedMap,
  type RawVerifier,
  concatBytes,
  ed25519PublicKeyFromSecretAsync,
  ed25519RawSign,
  ed25519RawVerifier,
  ed25519VerifyOnceAsync,
  equalBytes,
  p256RawVerifier,
  publicKeyFromSecret,
  randomBytes,
  utf8ToBytes,
} from '@agent-id/core/internal';
import { assertRootKey } from './keys.js';
import type { EnvelopeView, KeyView, SignedBlockView } from './proto/envelope.js';

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
// Versions and algorithms are 0 or 1: what encodes them is made once for those (and only
// ever read). A version 1 payload's labels and the values between them come as one part, so
// a payload is joined from fewer.
const smallOr = (build: (value: number) => Uint8Array) => {
  const made = [build(0), build(1)];
  return (value: number) => made[value] ?? build(value);
};
const le32Of = smallOr(le32);
const blockHead = smallOr((version) => concatBytes(BLOCK_VERSION, le32(version), PAYLOAD));
const externalHead = smallOr((version) => concatBytes(EXTERNAL_VERSION, le32(version), PAYLOAD));
const nextKeyHead = smallOr((algorithm) => concatBytes(ALGORITHM, le32(algorithm), NEXT_KEY));

const hexOf = (y: bigint) => Uint8Array.from((y.toString(16).padStart(64, '0').match(/../g) ?? []).map((h) => Number.parseInt(h, 16)));
const keyId = (view: KeyView) => `${view.algorithm}:${base64urlEncode(view.key)}`;

/** The parts of what a block's signature covers, in order (`previous` undefined for the authority block). */
export function blockPayloadParts(block: SignedBlockView, previous: SignedBlockView | undefined): Uint8Array[] {
  const { version, nextKey } = block;
  if (version === 0) {
    return block.externalSignature ? [block.block, block.externalSignature, le32Of(nextKey.algorithm), nextKey.key] : [block.block, le32Of(nextKey.algorithm), nextKey.key];
  }
  const parts = [blockHead(version), block.block, nextKeyHead(nextKey.algorithm), nextKey.key];
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
  return [externalHead(block.version), block.block, PREVIOUS_SIGNATURE, previous.signature];
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
// decision, so repeated tokens skip it. Ephemeral next keys are kept on Node only (see
// `verifiesAsync`).
const MAX_CACHED_KEYS = 4096;
const keyObjects = new BoundedMap<string, RawVerifier>(MAX_CACHED_KEYS);

/**
 * A key from the envelope, ready to verify with. Ed25519 keys of small order are refused
 * (anyone could sign for them: a holder could otherwise let anyone re-sign the next block
 * and give it a new revocation id). The full subgroup check of `@agent-id/core` costs
 * about eight verifications, so ephemeral next keys (whose secret every holder of an
 * attenuable token has anyway) get only this one; root and delegator keys pass the full
 * check through their callers. Kept for the next token.
 */
function keyObject(view: KeyView, what: string, id: string): RawVerifier {
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

/**
 * Whether `signature` over `payload` verifies under the key `view` (a refusal of the key
 * names it as `what`), the key made ready first. Nothing is remembered by signature: what
 * verified is remembered as a run of blocks (`chain.ts`), which the tokens extending it
 * find whole.
 */
function verifies(view: KeyView, what: string, signature: Uint8Array, payload: Uint8Array): boolean {
  signatureRuns.signatures++;
  return verifiesNow(keyObject(view, what, keyId(view)), view.algorithm, signature, payload);
}

/**
 * {@link verifies} with WebCrypto off Node. Not async: each async layer that only returns
 * another promise costs a promise and ticks, per signature.
 */
function verifiesAsync(view: KeyView, what: string, signature: Uint8Array, payload: Uint8Array, ephemeral: boolean): Promise<boolean> {
  signatureRuns.signatures++;
  // A next key is not kept off Node: it verifies one block of one chain (a token presented
  // again finds its blocks remembered, not its keys), and a kept one is a CryptoKey the
  // collector traces; WebCrypto imports one in about 4 µs. A key keyObject would refuse
  // goes through it, for the same refusal (next keys are Ed25519: `assertProfile`).
  if (ephemeral && view.algorithm === ED25519 && view.key.length === 32 && !isSmallOrderEncoding(view.key)) {
    return refusedEd25519(signature) ? Promise.resolve(false) : ed25519VerifyOnceAsync(view.key, signature, payload);
  }
  return verifiesNowAsync(keyObject(view, what, keyId(view)), view.algorithm, signature, payload);
}

/** An Ed25519 signature refused before any verification: not 64 bytes, or R of small order (see `SMALL_ORDER_Y`). */
const refusedEd25519 = (signature: Uint8Array) => signature.length !== 64 || isSmallOrderEncoding(signature, 0);

// Biscuit's P-256 signatures are DER (OpenSSL refuses non-canonical DER, like RustCrypto).
function verifiesNow(key: RawVerifier, algorithm: number, signature: Uint8Array, payload: Uint8Array): boolean {
  if (algorithm === ED25519 && refusedEd25519(signature)) return false;
  return key.verify(signature, payload);
}

function verifiesNowAsync(key: RawVerifier, algorithm: number, signature: Uint8Array, payload: Uint8Array): Promise<boolean> {
  if (algorithm === ED25519 && refusedEd25519(signature)) return Promise.resolve(false);
  return key.verifyAsync(signature, payload);
}

function rootView(root: PublicKey): KeyView {
  return { algorithm: assertRootKey(root), key: root.bytes };
}

// Proofs seen to hold, by the last next key they prove (its algorithm and bytes): the
// secret that proved it, copied. A token presented again then costs a comparison, not a
// derivation (about half a verification) nor a hash of its secret. The chain cache holds
// whole tokens, proofs included: this keeps no secret it does not.
const MAX_CACHED_PROOFS = 4096;
const provenSecrets = new BoundedMap<string, Uint8Array>(MAX_CACHED_PROOFS);

/** Whether `secret` proved `nextKey` before (a constant-time comparison), and the key's name in that cache. */
function provenBefore(nextKey: KeyView, secret: Uint8Array): { id: string; proven: boolean } {
  const id = keyId(nextKey);
  const held = provenSecrets.get(id);
  return { id, proven: held !== undefined && equalBytes(held, secret) };
}

/** The public key of a next secret (Ed25519 raw, P-256 compressed); `malformed_input` (check `proof`) when it is none. */
function publicOfSecret(algorithm: number, secret: Uint8Array): Uint8Array {
  try {
    if (secret.length !== 32) throw new RangeError('a next secret is 32 bytes');
    if (algorithm !== ED25519 && algorithm !== P256) throw new RangeError(`algorithm ${algorithm}`);
    return publicKeyFromSecret(algorithm === ED25519 ? 'Ed25519' : 'P-256', secret);
  } catch (cause) {
    throw new MalformedInputError('biscuit: the proof is not a valid secret key for the last next key', { check: 'proof', cause });
  }
}

/** An attenuable token's proof, the secret of its last next key, whose public key is `derived`; remembered once it holds. */
function assertSecretProof(nextKey: KeyView, secret: Uint8Array, derived: Uint8Array, id: string): void {
  if (!equalBytes(derived, nextKey.key)) throw new InvalidSignatureError("biscuit: the proof does not match the last block's next key", { check: 'proof' });
  provenSecrets.set(id, Uint8Array.from(secret));
}

/** The proof of an attenuable token whose last next key is `nextKey`: `malformed_input` or `invalid_signature` (check `proof`). */
function assertProof(nextKey: KeyView, secret: Uint8Array): void {
  const { id, proven } = provenBefore(nextKey, secret);
  if (!proven) assertSecretProof(nextKey, secret, publicOfSecret(nextKey.algorithm, secret), id);
}

/** {@link assertProof}, an Ed25519 key derived by WebCrypto off Node (where it can). Not async: see `verifiesAsync`. */
function assertProofAsync(nextKey: KeyView, secret: Uint8Array): Promise<void> {
  const { id, proven } = provenBefore(nextKey, secret);
  if (proven) return Promise.resolve();
  const derived = nextKey.algorithm === ED25519 && secret.length === 32 ? ed25519PublicKeyFromSecretAsync(secret) : Promise.resolve(undefined);
  return derived.then((publicKey) => assertSecretProof(nextKey, secret, publicKey ?? publicOfSecret(nextKey.algorithm, secret), id));
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
  /** Whether the key is a next key (its secret travels with the token), not a root's or an agent's. */
  ephemeral: boolean;
  /** The block whose issuer made this signature (a third-party block's external signature), if it is one. */
  issuerOf?: number;
  signature: Uint8Array;
  /** What the signature covers, in parts (joined when it is checked). */
  parts: Uint8Array[];
  refusal: string;
  check: 'signature' | 'proof';
}

// The synchronous path checks one signature at a time: each payload is joined into this
// buffer, not into a fresh one (a few KiB of external memory per token, which V8 collects
// for). Nothing keeps a payload.
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
    checks.push({ key: previous.nextKey, what: `block ${i - 1}'s next key`, ephemeral: true, signature: block.signature, parts: blockPayloadParts(block, previous), refusal: `biscuit: block ${i}'s signature does not verify`, check: 'signature' });
    if (block.externalKey && block.externalSignature) {
      checks.push({ key: block.externalKey, what: `block ${i}'s external key`, ephemeral: false, issuerOf: i, signature: block.externalSignature, parts: externalPayloadParts(block, previous), refusal: `biscuit: block ${i}'s external signature does not verify`, check: 'signature' });
    }
  }
  const last = blocks.at(-1)!;
  if (proof.kind === 'seal') checks.push({ key: last.nextKey, what: 'the last next key', ephemeral: true, signature: proof.value, parts: sealPayloadParts(last), refusal: 'biscuit: the sealing signature does not verify', check: 'proof' });
  return checks;
}

const refusalOf = (check: SignatureCheck) => new InvalidSignatureError(check.refusal, { check: check.check });

function authorityRefusal(roots: readonly PublicKey[]): InvalidSignatureError {
  return new InvalidSignatureError(
    roots.length === 1 ? 'biscuit: the authority block is not signed by the trusted root key' : 'biscuit: no trusted root key verifies the token',
    { check: roots.length === 1 ? 'signature' : 'root_key' },
  );
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

/**
 * @internal Counts {@link verifySignatures} and {@link verifySignaturesAsync} calls, so
 * tests can tell a refusal verified a token once, and the signatures they verify (block,
 * external and sealing signatures; not the proof's key derivation).
 */
export const signatureRuns = { count: 0, signatures: 0 };

/** Signatures already verified: the first `blocks` blocks are, byte for byte, blocks whose signatures verified under `root` (see {@link blockRuns}). */
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
  if (proof.kind === 'secret') assertProof(envelope.blocks.at(-1)!.nextKey, proof.value);
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

/** What is put before a message an issuer signed, for its caller to hash it (see {@link verifySignaturesAsync}). */
export interface IssuerPrefixes {
  /** Before the authority block's payload, what the root signed. */
  authority: Uint8Array;
  /** Before a third-party block's external payload, what its delegating agent signed. */
  hop: Uint8Array;
}

/** A message to verify, in parts, and what to put before it when it is also hashed. */
interface MessageParts {
  prefix: Uint8Array | undefined;
  parts: readonly Uint8Array[];
}

/**
 * Every message of one verification joined into one buffer, each as a view: the message,
 * and the prefix with the message (`whole`). One allocation for a token rather than one a
 * signature: an ArrayBuffer costs Chromium several microseconds.
 */
function joinedInOne(messages: readonly MessageParts[]): Array<{ whole: Uint8Array; message: Uint8Array }> {
  let length = 0;
  for (const { prefix, parts } of messages) {
    length += prefix?.length ?? 0;
    for (let i = 0; i < parts.length; i++) length += parts[i]!.length;
  }
  const buffer = new Uint8Array(length);
  let offset = 0;
  return messages.map(({ prefix, parts }) => {
    const start = offset;
    if (prefix !== undefined) {
      buffer.set(prefix, offset);
      offset += prefix.length;
    }
    const messageStart = offset;
    for (let i = 0; i < parts.length; i++) {
      buffer.set(parts[i]!, offset);
      offset += parts[i]!.length;
    }
    return { whole: buffer.subarray(start, offset), message: buffer.subarray(messageStart, offset) };
  });
}

/** {@link verifySignaturesAsync} under way. */
export interface SignaturesUnderWay {
  /** The root that verified, once every signature and the proof did; else the first refusal, in the synchronous order. */
  root: Promise<PublicKey>;
  /**
   * By block index, the message its issuer signed, after its prefix, for the blocks whose
   * issuer signature is verified now: block 0's payload (when its root signature is
   * checked), each third-party block's external payload. Bytes no one changes.
   */
  issuerMessages: Array<Uint8Array | undefined>;
}

/**
 * {@link verifySignatures} with WebCrypto off Node (natively on Node): every signature
 * check and the proof's key derivation start at once, and are then decided in the same
 * order as there, so a token gets the same verdict and the same refusal either way. What
 * can be refused before any signature is thrown at once. A message an issuer signed is
 * joined after `prefixes` in the buffer it is verified from, and handed back, so hashing it
 * (revocation ids) joins nothing again.
 */
export function verifySignaturesAsync(envelope: EnvelopeView, roots: readonly PublicKey[], verifiedBefore: VerifiedBefore | undefined, prefixes: IssuerPrefixes): SignaturesUnderWay {
  signatureRuns.count++;
  assertVerifiable(envelope, roots);
  const { blocks, proof } = envelope;
  const issuerMessages: Array<Uint8Array | undefined> = new Array(blocks.length).fill(undefined);
  const authority = blocks[0]!;
  const checks = signatureChecks(envelope, verifiedBefore?.blocks ?? 1);
  const joined = joinedInOne([
    ...(verifiedBefore === undefined ? [{ prefix: prefixes.authority, parts: blockPayloadParts(authority, undefined) }] : []),
    ...checks.map((check) => ({ prefix: check.issuerOf === undefined ? undefined : prefixes.hop, parts: check.parts })),
  ]);
  // The authority's payload comes first when it is checked; then one message a check.
  const first = verifiedBefore === undefined ? 1 : 0;
  let rootChecks: Promise<Settled<boolean>>[] = [];
  if (first === 1) {
    const { whole, message } = joined[0]!;
    issuerMessages[0] = whole;
    rootChecks = roots.map((r) => settle(() => verifiesAsync(rootView(r), 'the root key', authority.signature, message, false)));
  }
  const results = checks.map((check, i) => {
    const { whole, message } = joined[first + i]!;
    if (check.issuerOf !== undefined) issuerMessages[check.issuerOf] = whole;
    return settle(() => verifiesAsync(check.key, check.what, check.signature, message, check.ephemeral));
  });
  const proven = proof.kind === 'secret' ? settle(() => assertProofAsync(blocks.at(-1)!.nextKey, proof.value)) : undefined;
  return { root: decided(roots, verifiedBefore?.root, rootChecks, checks, results, proven), issuerMessages };
}

/** The verdict of {@link verifySignaturesAsync}: one wait for every check started, then each decided in the synchronous order. */
async function decided(
  roots: readonly PublicKey[],
  verifiedRoot: PublicKey | undefined,
  rootChecks: Promise<Settled<boolean>>[],
  checks: readonly SignatureCheck[],
  results: Promise<Settled<boolean>>[],
  proven: Promise<Settled<unknown>> | undefined,
): Promise<PublicKey> {
  const outcomes: Settled<unknown>[] = await Promise.all<Settled<unknown>>(proven === undefined ? [...rootChecks, ...results] : [...rootChecks, ...results, proven]);
  const valid = (i: number) => unwrap(outcomes[i]!) === true;
  let root = verifiedRoot;
  for (let i = 0; root === undefined && i < rootChecks.length; i++) if (valid(i)) root = roots[i];
  if (root === undefined) throw authorityRefusal(roots);
  for (let i = 0; i < checks.length; i++) if (!valid(rootChecks.length + i)) throw refusalOf(checks[i]!);
  if (proven !== undefined) unwrap(outcomes.at(-1)!);
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

/** A run of a read token's first blocks as encoded, named by the signature of its last block (a name only: a run is its bytes, compared whole). */
export interface BlockRun {
  id: string;
  encoded: Uint8Array;
}

/**
 * The runs of a read token's first blocks (their fields as encoded, in order, the proof
 * excluded): `count` blocks for 1 ≤ `count` ≤ its block count, the blocks laid end to end
 * once for all of them. Two runs of equal bytes are the same blocks, which read the same,
 * so what was verified of one holds for the other.
 */
export function blockRuns(envelope: EnvelopeView): (count: number) => BlockRun {
  const fields = envelope.encodedBlocks;
  const { blocks } = envelope;
  if (fields === undefined || fields.length !== blocks.length) throw new TypeError('blockRuns takes an envelope as read');
  const encoded = encodedRun(fields);
  return (count) => {
    if (!Number.isInteger(count) || count < 1 || count > blocks.length) throw new TypeError(`a run of 1 to ${blocks.length} blocks, not ${count}`);
    let length = 0;
    for (let i = 0; i < count; i++) length += fields[i]!.length;
    return { id: base64urlEncode(blocks[count - 1]!.signature), encoded: encoded.subarray(0, length) };
  };
}
