import type { Capability, KeyPair, PublicKey } from '@agent-id/core';
import { parseBiscuit, readChain } from '../src/biscuit/chain.js';
import { AUTHORITY_CODE, HOP_CODE, dateParam, scopeParams } from '../src/biscuit/datalog.js';
import { wasmPrivateKey, wasmPublicKey } from '../src/biscuit/keys.js';
import { readSerialized } from '../src/biscuit/proto/envelope.js';
import { writeEnvelope } from '../src/biscuit/proto/writer.js';
import { blockPayload } from '../src/biscuit/signatures.js';
import type { HopPlan } from '../src/hop.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import type { ChainRecord } from '../src/model.js';
import { withBiscuit } from '../src/wasm/runtime.js';

/*
 * How this package wrote Biscuit tokens before it wrote them natively: biscuit-wasm's
 * builder from the templates and their parameters, and its third-party block API. The
 * reference the native writer is held to, byte for byte.
 */

/** The authority block as biscuit-wasm builds it, then signed again by the root with payload version 1. */
export async function wasmMint(capability: Capability, issuedAt: number, rootKey: KeyPair, issuer: string): Promise<Uint8Array> {
  const params = { issuer, holder: capability.holder, on_behalf_of: capability.onBehalfOf, task: capability.task, issued_at: dateParam(issuedAt), ...scopeParams(capability) };
  const bytes = await withBiscuit((glue) => {
    const builder = glue.Biscuit.builder();
    builder.addCodeWithParameters(AUTHORITY_CODE, params, {});
    const key = wasmPrivateKey(glue, rootKey);
    const token = builder.build(key);
    const out = token.toBytes();
    token.free();
    key.free();
    return out;
  });
  const envelope = readSerialized(bytes);
  const authority = { ...envelope.blocks[0]!, version: 1 };
  authority.signature = rootKey.sign(blockPayload(authority, undefined));
  return writeEnvelope({ ...envelope, blocks: [authority] });
}

/** A planned hop appended with biscuit-wasm: `HOP_CODE` as a third-party block signed by the delegator. */
export async function wasmAttenuate(bytes: Uint8Array, plan: (chain: ChainRecord) => HopPlan, roots: readonly PublicKey[]): Promise<Uint8Array> {
  return withBiscuit((glue) => {
    const biscuit = parseBiscuit(glue, bytes, roots, DEFAULT_LIMITS);
    const { chain, blockRevocationIds } = readChain(bytes, DEFAULT_LIMITS);
    const hop = plan(chain);
    const block = new glue.BlockBuilder();
    const params = { index: hop.index, from: hop.from, to: hop.to, previous: { bytes: blockRevocationIds.at(-1)! }, issued_at: dateParam(hop.issuedAt), ...scopeParams(hop.granted) };
    block.addCodeWithParameters(HOP_CODE, params, {});
    const request = biscuit.getThirdPartyRequest();
    const key = wasmPrivateKey(glue, hop.signer);
    const signed = request.createBlock(key, block);
    const publicKey = wasmPublicKey(glue, hop.signer.publicKey, 'agent');
    const next = biscuit.appendThirdPartyBlock(publicKey, signed);
    const out = next.toBytes();
    for (const o of [next, publicKey, signed, key, block, biscuit]) o.free();
    return out;
  });
}
