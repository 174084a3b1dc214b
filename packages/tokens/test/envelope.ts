import { createHash, randomBytes } from 'node:crypto';
import { KeyPair, type PublicKey } from '@agent-id/core';
import { ed25519 } from '@noble/curves/ed25519.js';
import { type EnvelopeView, type SignedBlockView, readSerialized } from '../src/biscuit/proto/envelope.js';
import { writeEnvelope } from '../src/biscuit/proto/writer.js';
import { blockPayload } from '../src/biscuit/signatures.js';
import { verifyBiscuit } from '../src/biscuit/chain.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { CapabilityToken } from '../src/index.js';
import { wasmPrivateKey, wasmPublicKey } from '../src/biscuit/keys.js';
import { withBiscuit } from '../src/wasm/runtime.js';
import { agents, orgKey } from './helpers.js';

// Signed-block surgery for attacks: re-signing blocks as whoever holds a token's secret
// can, and appending blocks with biscuit-wasm's own API, as a holder with stock tools would.

export const envelopeOf = (token: CapabilityToken): EnvelopeView => readSerialized(token.toBytes());
export const tokenOf = (envelope: EnvelopeView): CapabilityToken => CapabilityToken.fromBytes('biscuit', writeEnvelope(envelope));
export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

const le = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).reverse().toString('hex') || '0'}`);
const toLe32 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse();

/**
 * An Ed25519 signature made with a fresh random nonce instead of RFC 8032's deterministic
 * one: as valid (verification accepts any (R, S) that satisfies the equation), and other
 * bytes. Anyone holding the secret can make as many as they like.
 */
export function randomizedEd25519(seed: Uint8Array, message: Uint8Array): Uint8Array {
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(seed);
  const order = ed25519.Point.Fn.ORDER;
  const r = (le(randomBytes(64)) % (order - 1n)) + 1n;
  const R = ed25519.Point.BASE.multiply(r).toBytes();
  const h = le(createHash('sha512').update(R).update(pointBytes).update(message).digest()) % order;
  return Uint8Array.from([...R, ...toLe32((r + h * scalar) % order)]);
}

/**
 * Block `index` of a token signed again with `secret` (the Ed25519 seed of the previous
 * block's next key: whoever held the token before this block has it), keeping its Datalog
 * and external signature. With `next`, under a new next key; with `randomNonce`, the same
 * next key and a fresh nonce. Returns the token cut after that block (later blocks' external
 * signatures cover this block's old signature), with the new next key's secret as proof.
 */
export function resignBlock(
  token: CapabilityToken,
  index: number,
  secret: Uint8Array,
  how: { next: KeyPair } | { randomNonce: true; proof: Uint8Array },
  edit: (block: SignedBlockView) => SignedBlockView = (b) => b,
): CapabilityToken {
  const envelope = envelopeOf(token);
  const previous = index > 0 ? envelope.blocks[index - 1] : undefined;
  const block: SignedBlockView = edit({ ...envelope.blocks[index]! });
  if ('next' in how) block.nextKey = { algorithm: 0, key: how.next.publicKey.bytes };
  const payload = blockPayload(block, previous);
  block.signature = 'next' in how ? KeyPair.fromSecretKey('Ed25519', secret).sign(payload) : randomizedEd25519(secret, payload);
  const proof = 'next' in how ? how.next.exportSecretKey() : how.proof;
  return tokenOf({ blocks: [...envelope.blocks.slice(0, index), block], proof: { kind: 'secret', value: proof } });
}

/** The secret a token carries for its last next key (its proof). */
export const proofOf = (token: CapabilityToken): Uint8Array => envelopeOf(token).proof.value;

/**
 * The token with a first-party block appended by biscuit-wasm's own `appendBlock`, as a
 * holder narrowing its token with stock tools would (code as text, or with parameters).
 */
export async function appendWithWasm(token: CapabilityToken, code: string, params: Record<string, unknown> = {}): Promise<CapabilityToken> {
  const bytes = await withBiscuit((glue) => {
    const root = glue.PublicKey.fromBytes(orgKey.publicKey.bytes, 0 as never);
    const biscuit = glue.Biscuit.fromBytes(token.toBytes(), root);
    const block = new glue.BlockBuilder();
    try {
      block.addCodeWithParameters(code, params, {});
      const next = biscuit.appendBlock(block);
      try {
        return next.toBytes();
      } finally {
        next.free();
      }
    } finally {
      for (const o of [block, biscuit, root]) o.free();
    }
  });
  return CapabilityToken.fromBytes('biscuit', bytes);
}

/**
 * The token with a third-party block appended by biscuit-wasm, signed by `agents[signer]`:
 * a hop (or anything else) written by hand, bypassing `attenuate`, for the attacks that
 * `authorize` must refuse.
 */
export async function appendHopWithWasm(token: CapabilityToken, code: string, params: Record<string, unknown>, signer: number): Promise<CapabilityToken> {
  const bytes = await withBiscuit((glue) => {
    const root = wasmPublicKey(glue, orgKey.publicKey);
    const biscuit = glue.Biscuit.fromBytes(token.toBytes(), root);
    const block = new glue.BlockBuilder();
    block.addCodeWithParameters(code, params, {});
    const key = wasmPrivateKey(glue, agents[signer]!);
    const signed = biscuit.getThirdPartyRequest().createBlock(key, block);
    const pub = wasmPublicKey(glue, agents[signer]!.publicKey, 'agent');
    const next = biscuit.appendThirdPartyBlock(pub, signed);
    const out = next.toBytes();
    for (const o of [key, signed, pub, next, block, biscuit, root]) o.free();
    return out;
  });
  return CapabilityToken.fromBytes('biscuit', bytes);
}

/** Whether biscuit-wasm parses (and so verifies every signature of) the token under a root. */
export async function wasmAccepts(bytes: Uint8Array, root: PublicKey = orgKey.publicKey): Promise<boolean> {
  return withBiscuit((glue) => {
    const key = glue.PublicKey.fromBytes(root.bytes, 0 as never);
    try {
      glue.Biscuit.fromBytes(bytes, key).free();
      return true;
    } catch {
      return false;
    } finally {
      key.free();
    }
  });
}

/**
 * Whether biscuit-wasm parses the token and also converts every block to Datalog
 * (`getBlockSource`): the conversion is where biscuit-auth refuses what prost reads but
 * Datalog cannot hold (a set mixing types, a null or a 3.3 operation under 3.1 or 3.2).
 */
export async function wasmConverts(bytes: Uint8Array, root: PublicKey = orgKey.publicKey): Promise<boolean> {
  return withBiscuit((glue) => {
    const key = glue.PublicKey.fromBytes(root.bytes, 0 as never);
    let biscuit: { countBlocks(): number; getBlockSource(i: number): string; free(): void } | undefined;
    try {
      biscuit = glue.Biscuit.fromBytes(bytes, key);
      for (let i = 0; i < biscuit.countBlocks(); i++) biscuit.getBlockSource(i);
      return true;
    } catch {
      return false;
    } finally {
      biscuit?.free();
      key.free();
    }
  });
}

/**
 * Our verdict on a token's bytes, beside biscuit-wasm's ({@link wasmConverts}): 'accepted'
 * (`verifyBiscuit` under the org's root), or the refusal's code and check. A refusal without
 * a string code is thrown on, failing the test.
 */
export function ourVerdict(bytes: Uint8Array): string {
  try {
    verifyBiscuit(bytes, [orgKey.publicKey], DEFAULT_LIMITS);
    return 'accepted';
  } catch (error) {
    const { code, check } = error as { code?: unknown; check?: unknown };
    if (typeof code !== 'string') throw error;
    return `${code}/${String(check)}`;
  }
}
