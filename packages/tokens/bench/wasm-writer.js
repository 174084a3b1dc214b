// @ts-check
// How this package minted and attenuated Biscuit tokens before it wrote them natively
// (biscuit-wasm's builder and third-party block API, the path test/wasm-reference.ts holds
// the native writer to), for the benchmark's comparison. Reads the built package (dist/).
import { readClockSeconds } from '@agent-id/core';
import { didKeyFromPublicKey } from '@agent-id/did';
import { parseBiscuit, readChain } from '../dist/biscuit/chain.js';
import { AUTHORITY_CODE, HOP_CODE, dateParam, scopeParams } from '../dist/biscuit/datalog.js';
import { wasmPrivateKey, wasmPublicKey } from '../dist/biscuit/keys.js';
import { readSerialized } from '../dist/biscuit/proto/envelope.js';
import { writeEnvelope } from '../dist/biscuit/proto/writer.js';
import { blockPayload } from '../dist/biscuit/signatures.js';
import { delegationOf, planHop } from '../dist/hop.js';
import { resolveLimits } from '../dist/limits.js';
import { validateCapability } from '../dist/model.js';
import { CapabilityToken } from '../dist/token.js';
import { withBiscuit } from '../dist/wasm/runtime.js';

/**
 * mintCapability (Biscuit) as biscuit-wasm did it: build, then sign the authority again with payload version 1.
 * @param {import('@agent-id/core').Capability} capability
 * @param {{ rootKey: import('@agent-id/core').KeyPair; issuer?: string }} options
 */
export async function wasmMint(capability, options) {
  const issuedAt = readClockSeconds(undefined);
  const valid = validateCapability(capability);
  const issuer = options.issuer ?? didKeyFromPublicKey(options.rootKey.publicKey);
  const params = { issuer, holder: valid.holder, on_behalf_of: valid.onBehalfOf, task: valid.task, issued_at: dateParam(issuedAt), ...scopeParams(valid) };
  const bytes = await withBiscuit((glue) => {
    const builder = glue.Biscuit.builder();
    builder.addCodeWithParameters(AUTHORITY_CODE, params, {});
    const key = wasmPrivateKey(glue, options.rootKey);
    const token = builder.build(key);
    const out = token.toBytes();
    token.free();
    key.free();
    return out;
  });
  const envelope = readSerialized(bytes);
  const authority = { ...envelope.blocks[0], version: 1 };
  authority.signature = options.rootKey.sign(blockPayload(authority, undefined));
  return CapabilityToken.fromBytes('biscuit', writeEnvelope({ ...envelope, blocks: [authority] }));
}

/**
 * attenuate (Biscuit) as biscuit-wasm did it: parse (verifying in WebAssembly), plan, append a third-party block.
 * @param {CapabilityToken} token
 * @param {{ to: string; signer: import('@agent-id/core').KeyPair; trustedRoots: import('@agent-id/core').PublicKey }} options
 */
export async function wasmAttenuate(token, options) {
  const nowSeconds = readClockSeconds(undefined);
  const limits = resolveLimits(undefined);
  const delegation = delegationOf(options);
  return CapabilityToken.fromBytes(
    'biscuit',
    await withBiscuit((glue) => {
      const bytes = token.toBytes();
      const biscuit = parseBiscuit(glue, bytes, [options.trustedRoots], limits);
      const { chain, blockRevocationIds } = readChain(bytes, limits);
      const hop = planHop(chain, delegation, {}, limits, nowSeconds);
      const block = new glue.BlockBuilder();
      const params = { index: hop.index, from: hop.from, to: hop.to, previous: { bytes: blockRevocationIds.at(-1) }, issued_at: dateParam(hop.issuedAt), ...scopeParams(hop.granted) };
      block.addCodeWithParameters(HOP_CODE, params, {});
      const request = biscuit.getThirdPartyRequest();
      const key = wasmPrivateKey(glue, hop.signer);
      const signed = request.createBlock(key, block);
      const publicKey = wasmPublicKey(glue, hop.signer.publicKey, 'agent');
      const next = biscuit.appendThirdPartyBlock(publicKey, signed);
      const out = next.toBytes();
      for (const o of [next, publicKey, signed, key, block, biscuit]) o.free();
      return out;
    }),
  );
}
