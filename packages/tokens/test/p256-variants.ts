import { KeyPair } from '@agent-id/core';
import { didKeyFromPublicKey } from '@agent-id/did';
import { expect } from 'vitest';
import { verifyBiscuit, verifyBiscuitAsync } from '../src/biscuit/chain.js';
import { attenuate, configureSignatureCache, mintCapability } from '../src/index.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { proofOf, resignBlock, wasmAccepts } from './envelope.js';
import { AUD, NOW, ORG, USER, clock, dids, orgKey } from './helpers.js';

const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const int = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);
const bytesOf = (n: bigint) => {
  let h = n.toString(16);
  if (h.length % 2) h = `0${h}`;
  const b = [...Buffer.from(h, 'hex')];
  return b[0]! >= 0x80 ? [0, ...b] : b;
};
const der = (r: number[], s: number[]) => [0x30, r.length + s.length + 4, 2, r.length, ...r, 2, s.length, ...s];

/** A P-256 delegator's hop, its DER external signature rewritten, the hop block signed again by the holder before it. */
export async function p256Variants(): Promise<[string, Uint8Array][]> {
  const p256 = KeyPair.generate('P-256');
  const cap = { resources: ['r'], actions: ['a'], audience: [AUD], expiresAt: NOW + 600, maxDepth: 4, holder: didKeyFromPublicKey(p256.publicKey), onBehalfOf: USER, task: 't' };
  const minted = await mintCapability(cap, { format: 'biscuit', rootKey: orgKey, issuer: ORG });
  const token = await attenuate(minted, { clock, to: dids[1]!, signer: p256, trustedRoots: orgKey.publicKey });
  const out: [string, Uint8Array][] = [];
  const variant = (name: string, edit: (sig: Uint8Array) => number[]) => {
    const t = resignBlock(token, 1, proofOf(minted), { next: KeyPair.generate() }, (block) => ({ ...block, externalSignature: Uint8Array.from(edit(block.externalSignature!)) }));
    out.push([name, t.toBytes()]);
  };
  const parts = (sig: Uint8Array) => {
    const rl = sig[3]!;
    const r = [...sig.subarray(4, 4 + rl)];
    const s = [...sig.subarray(6 + rl, 6 + rl + sig[5 + rl]!)];
    return { r, s };
  };
  variant('canonical', (sig) => [...sig]);
  variant('high S', (sig) => {
    const { r, s } = parts(sig);
    return der(r, bytesOf(N - int(Uint8Array.from(s))));
  });
  variant('extra zero before r', (sig) => {
    const { r, s } = parts(sig);
    return der([0, ...r], s);
  });
  variant('long-form length', (sig) => [0x30, 0x81, ...sig.subarray(1)]);
  variant('trailing byte inside', (sig) => [0x30, sig[1]! + 1, ...sig.subarray(2), 0]);
  variant('trailing byte outside', (sig) => [...sig, 0]);
  variant('raw r||s', (sig) => {
    const { r, s } = parts(sig);
    const pad = (x: number[]) => [...new Array(32).fill(0), ...x.filter((_, i) => !(i === 0 && x[0] === 0 && x.length === 33))].slice(-32);
    return [...pad(r), ...pad(s)];
  });
  variant('r = 0', (sig) => der([0], parts(sig).s));
  variant('s = n', (sig) => der(parts(sig).r, bytesOf(N)));
  return out;
}

const outcome = async (run: () => unknown) => {
  try {
    await run();
    return 'accepted';
  } catch (error) {
    return `${(error as { code?: string }).code}/${(error as { check?: string }).check}`;
  }
};

/**
 * Each of {@link p256Variants}, verified synchronously and asynchronously on the platform the
 * calling test file runs (cache off): the same code and check both ways, and accepted exactly
 * when biscuit-wasm accepts it.
 */
export async function expectP256VerdictsAgree(): Promise<void> {
  configureSignatureCache({ maxEntries: 0 });
  try {
    for (const [, bytes] of await p256Variants()) {
      const sync = await outcome(() => verifyBiscuit(bytes, [orgKey.publicKey], DEFAULT_LIMITS));
      const async = await outcome(() => verifyBiscuitAsync(bytes, [orgKey.publicKey], DEFAULT_LIMITS));
      expect(async).toBe(sync);
      expect(sync === 'accepted').toBe(await wasmAccepts(bytes));
    }
  } finally {
    configureSignatureCache();
  }
}
