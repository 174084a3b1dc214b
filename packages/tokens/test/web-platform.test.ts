import { describe, expect, it, vi } from 'vitest';
import { expectCode } from '@agent-id/test-support';

// Biscuit verification as browsers, Deno, Bun and workerd run it: core's web platform layer
// (WebCrypto) in place of node:crypto. authorize verifies every signature once, with
// WebCrypto, while it reads the blocks; none is verified with @noble/curves.
vi.mock('../../core/dist/platform/node.js', async () => await import('../../core/dist/platform/web.js'));

const { PLATFORM } = await import('@agent-id/core/internal');
const { attenuate, authorize, configureSignatureCache, signatureCacheStats, verifyChain } = await import('../src/index.js');
const { AUD, agents, chainOf, clock, dids, orgKey, trust } = await import('./helpers.js');
const { envelopeOf, tokenOf } = await import('./envelope.js');

const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD, task: 'task-q3' };

describe('Biscuit on the web platform', () => {
  it('runs on the web platform here', () => {
    expect(PLATFORM).toBe('web');
  });

  it('authorize allows a 3-hop token with every signature verified once, by WebCrypto', async () => {
    const token = await chainOf('biscuit', 3);
    configureSignatureCache({ maxEntries: 10_000 });
    const verify = vi.spyOn(crypto.subtle, 'verify');
    try {
      const result = await authorize(token.serialize(), { request, presenter: dids[3]!, clock, ...trust('biscuit') });
      expect(result.agent).toBe(dids[3]);
      // The authority block, three hop blocks and their three external signatures.
      expect(verify).toHaveBeenCalledTimes(7);
      // Remembered whole, as one run of blocks and one chain, not signature by signature.
      expect(signatureCacheStats()).toMatchObject({ misses: 1, hits: 0, runs: 1, chains: 1, entries: 0 });
      expect((await verifyChain(token, { trustedRoots: orgKey.publicKey })).chain).toHaveLength(4);
      // Verified before with the same trust: from the chain cache.
      expect(verify).toHaveBeenCalledTimes(7);
    } finally {
      verify.mockRestore();
    }
  });

  it("a sub-agent's first-seen token below a verified parent costs WebCrypto only its new hop's two signatures", async () => {
    const parent = await chainOf('biscuit', 2);
    configureSignatureCache({ maxEntries: 10_000 });
    expect((await authorize(parent, { request, presenter: dids[2]!, clock, ...trust('biscuit') })).agent).toBe(dids[2]);
    const child = await attenuate(parent, { to: dids[3]!, signer: agents[2]!, trustedRoots: orgKey.publicKey, clock });
    const verify = vi.spyOn(crypto.subtle, 'verify');
    try {
      expect((await authorize(child, { request, presenter: dids[3]!, clock, ...trust('biscuit') })).agent).toBe(dids[3]);
      expect(verify).toHaveBeenCalledTimes(2);
    } finally {
      verify.mockRestore();
    }
  });

  it('attenuates with WebCrypto verifying the parent, and the child verifies', async () => {
    configureSignatureCache({ maxEntries: 0 });
    const parent = await chainOf('biscuit', 1);
    const verify = vi.spyOn(crypto.subtle, 'verify');
    try {
      const child = await attenuate(parent, { to: dids[2]!, signer: agents[1]!, trustedRoots: orgKey.publicKey, clock });
      // The parent's authority block, its hop block and that block's external signature.
      expect(verify).toHaveBeenCalledTimes(3);
      expect((await authorize(child, { request, presenter: dids[2]!, clock, ...trust('biscuit') })).agent).toBe(dids[2]);
    } finally {
      verify.mockRestore();
      configureSignatureCache({ maxEntries: 10_000 });
    }
  });

  it('a tampered signature is refused with invalid_signature, with the cache on or off', async () => {
    const token = await chainOf('biscuit', 2);
    const envelope = envelopeOf(token);
    const block = envelope.blocks[2]!;
    const signature = Uint8Array.from(block.signature);
    signature[5]! ^= 1;
    const forged = tokenOf({ ...envelope, blocks: [...envelope.blocks.slice(0, 2), { ...block, signature }] });
    for (const maxEntries of [10_000, 0]) {
      configureSignatureCache({ maxEntries });
      await expectCode(authorize(forged, { request, presenter: dids[2]!, clock, ...trust('biscuit') }), 'invalid_signature', 'signature');
    }
    configureSignatureCache({ maxEntries: 0 });
    // Without the cache: the same answer.
    expect((await authorize(token, { request, presenter: dids[2]!, clock, ...trust('biscuit') })).agent).toBe(dids[2]);
    configureSignatureCache({ maxEntries: 10_000 });
  });

  it('a proof that is not the secret of the last next key is refused with invalid_signature (check proof), its public key derived by WebCrypto or not', async () => {
    const token = await chainOf('biscuit', 2);
    const envelope = envelopeOf(token);
    const other = Uint8Array.from(envelope.proof.value);
    other[0]! ^= 1;
    const forged = tokenOf({ ...envelope, proof: { kind: 'secret', value: other } });
    for (const maxEntries of [10_000, 0, 10_000]) {
      configureSignatureCache({ maxEntries });
      await expectCode(authorize(forged, { request, presenter: dids[2]!, clock, ...trust('biscuit') }), 'invalid_signature', 'proof');
      expect((await authorize(token, { request, presenter: dids[2]!, clock, ...trust('biscuit') })).agent).toBe(dids[2]);
    }
    // A proof of another length never reaches WebCrypto: malformed, as on Node.
    const short = tokenOf({ ...envelope, proof: { kind: 'secret', value: envelope.proof.value.subarray(0, 31) } });
    await expectCode(authorize(short, { request, presenter: dids[2]!, clock, ...trust('biscuit') }), 'malformed_input', 'proof');
  });
});
