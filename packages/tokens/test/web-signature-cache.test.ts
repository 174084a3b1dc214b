import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it, vi } from 'vitest';

// What the caches keep on the web platform (WebCrypto, as web-platform.test.ts runs it): a
// Biscuit that verified, whole, as one run of blocks kept as its own bytes; nothing of a
// token no trusted root signed, nor of one refused at any signature.
vi.mock('../../core/dist/platform/node.js', async () => await import('../../core/dist/platform/web.js'));

const { PLATFORM } = await import('@agent-id/core/internal');
const { verifyBiscuitAsync } = await import('../src/biscuit/chain.js');
const { blockPayload, externalPayload, signatureRuns } = await import('../src/biscuit/signatures.js');
const { readSerialized } = await import('../src/biscuit/proto/envelope.js');
const { writeEnvelope } = await import('../src/biscuit/proto/writer.js');
const { attenuate, configureSignatureCache, signatureCacheStats, verifyChain } = await import('../src/index.js');
const { DEFAULT_LIMITS } = await import('../src/limits.js');
const { KeyPair } = await import('@agent-id/core');
const { agents, chainOf, clock, codeOf, dids, orgKey } = await import('./helpers.js');
type SignedBlockView = import('../src/biscuit/proto/envelope.js').SignedBlockView;
type EnvelopeView = import('../src/biscuit/proto/envelope.js').EnvelopeView;

/** `envelope` (attenuable) with first-party blocks of these contents appended: what any holder of it can make. */
function extended(envelope: EnvelopeView, contents: Uint8Array[]): Uint8Array {
  const blocks = [...envelope.blocks];
  let secret = envelope.proof.value;
  for (const content of contents) {
    const seed = Uint8Array.from(randomBytes(32));
    const block: SignedBlockView = { block: content, nextKey: { algorithm: 0, key: ed25519.getPublicKey(seed) }, version: 1, signature: new Uint8Array(0) };
    block.signature = ed25519.sign(blockPayload(block, blocks.at(-1)!), secret);
    blocks.push(block);
    secret = seed;
  }
  return writeEnvelope({ blocks, proof: { kind: 'secret', value: secret } });
}
const junk = (n: number) => Uint8Array.from(randomBytes(n));
const outcome = (p: Promise<unknown>) => p.then(() => 'allowed', (e: { code?: string }) => e.code ?? 'uncoded');

/** A token anyone can make: a junk authority block (no root signed it), then 15 third-party blocks, every other signature valid under keys its maker chose. */
function junkToken(): Uint8Array {
  const seeds = Array.from({ length: 16 }, () => Uint8Array.from(randomBytes(32)));
  const external = Uint8Array.from(randomBytes(32));
  const key = (seed: Uint8Array) => ({ algorithm: 0, key: ed25519.getPublicKey(seed) });
  const blocks: SignedBlockView[] = [{ block: Uint8Array.from(randomBytes(500)), nextKey: key(seeds[0]!), version: 1, signature: Uint8Array.from(randomBytes(64)) }];
  for (let i = 1; i < 16; i++) {
    const block: SignedBlockView = { block: Uint8Array.from(randomBytes(500)), nextKey: key(seeds[i]!), version: 1, signature: new Uint8Array(0), externalKey: key(external) };
    block.externalSignature = ed25519.sign(externalPayload(block, blocks[i - 1]!), external);
    block.signature = ed25519.sign(blockPayload(block, blocks[i - 1]!), seeds[i - 1]!);
    blocks.push(block);
  }
  return writeEnvelope({ blocks, proof: { kind: 'secret', value: seeds[15]! } });
}

describe('the verification caches on the web platform', () => {
  it('runs on the web platform here', () => {
    expect(PLATFORM).toBe('web');
  });

  it("tokens no trusted root signed add nothing, however many of their other signatures verify: an honest token's run stays", async () => {
    const honest = (await chainOf('biscuit', 3)).toBytes();
    configureSignatureCache();
    await verifyBiscuitAsync(honest, [orgKey.publicKey], DEFAULT_LIMITS);
    expect(signatureCacheStats()).toMatchObject({ runs: 1, entries: 0 });
    for (let i = 0; i < 60; i++) {
      const junk = junkToken();
      expect(Math.ceil((junk.length * 4) / 3)).toBeLessThan(DEFAULT_LIMITS.maxTokenChars);
      await expect(verifyBiscuitAsync(junk, [orgKey.publicKey], DEFAULT_LIMITS)).rejects.toMatchObject({ code: 'invalid_signature', check: 'signature' });
    }
    expect(signatureCacheStats()).toMatchObject({ runs: 1, entries: 0 });
    const { hits } = signatureCacheStats();
    const signatures = signatureRuns.signatures;
    await verifyBiscuitAsync(honest, [orgKey.publicKey], DEFAULT_LIMITS);
    expect(signatureCacheStats().hits - hits).toBe(1);
    expect(signatureRuns.signatures).toBe(signatures);
  }, 60_000);

  it('children refused for their blocks (one of 300 KiB, junk) leave nothing remembered, alone or forty at once', async () => {
    const envelope = readSerialized((await chainOf('biscuit', 1)).toBytes());
    const limits = { ...DEFAULT_LIMITS, maxTokenChars: 1_000_000 };
    configureSignatureCache();
    await verifyBiscuitAsync(writeEnvelope(envelope), [orgKey.publicKey], limits);
    for (let i = 0; i < 30; i++) expect(await outcome(verifyBiscuitAsync(extended(envelope, [junk(40), junk(300 * 1024)]), [orgKey.publicKey], limits))).toBe('malformed_input');
    expect(signatureCacheStats()).toMatchObject({ runs: 1, entries: 0 });
    // Forty children of one new parent at once, each a first-party block of junk: refused, none remembered.
    for (let round = 0; round < 10; round++) {
      const seed = Uint8Array.from(randomBytes(32));
      const block: SignedBlockView = { block: junk(10 * 1024), nextKey: { algorithm: 0, key: ed25519.getPublicKey(seed) }, version: 1, signature: new Uint8Array(0) };
      block.signature = ed25519.sign(blockPayload(block, envelope.blocks.at(-1)!), envelope.proof.value);
      const parent: EnvelopeView = { blocks: [...envelope.blocks, block], proof: { kind: 'secret', value: seed } };
      const children = Array.from({ length: 40 }, () => extended(parent, [junk(1)]));
      const outcomes = await Promise.all(children.map((child) => outcome(verifyBiscuitAsync(child, [orgKey.publicKey], DEFAULT_LIMITS))));
      expect(new Set(outcomes)).toEqual(new Set(['malformed_input']));
    }
    expect(signatureCacheStats()).toMatchObject({ runs: 1, entries: 0 });
  }, 120_000);

  it('a token refused at a later signature leaves nothing remembered, on either path, even the signatures before it that verified', async () => {
    const { verifyBiscuit } = await import('../src/biscuit/chain.js');
    const envelope = readSerialized((await chainOf('biscuit', 3)).toBytes());
    envelope.blocks[2]!.signature = Uint8Array.from(envelope.blocks[2]!.signature, (b, i) => (i === 0 ? b ^ 1 : b));
    const broken = writeEnvelope(envelope);
    for (const verify of [verifyBiscuitAsync, async (...args: Parameters<typeof verifyBiscuit>) => verifyBiscuit(...args)]) {
      configureSignatureCache();
      await expect(verify(broken, [orgKey.publicKey], DEFAULT_LIMITS)).rejects.toMatchObject({ code: 'invalid_signature', check: 'signature' });
      expect(signatureCacheStats()).toMatchObject({ runs: 0, entries: 0 });
    }
  });

  it('a trusted root key changed in place while a verification is under way lends its run to neither the token nor its child under the new bytes', async () => {
    const parent = await chainOf('biscuit', 2);
    const child = await attenuate(parent, { clock, to: dids[3]!, signer: agents[2]!, trustedRoots: orgKey.publicKey });
    // A key that never signed either: with the caches off, both are refused under it.
    const other = KeyPair.generate('Ed25519').publicKey;
    configureSignatureCache({ maxEntries: 0 });
    expect(await codeOf(verifyChain(parent, { trustedRoots: other }))).toBe('invalid_signature');
    for (const later of [parent, child]) {
      configureSignatureCache();
      const root = KeyPair.fromSecretKey('Ed25519', orgKey.exportSecretKey()).publicKey;
      const pending = verifyChain(parent, { trustedRoots: root });
      root.bytes.set(other.bytes);
      await pending;
      expect(await codeOf(verifyChain(later, { trustedRoots: other }))).toBe('invalid_signature');
      // A run found but not lent is a miss.
      const { hits, misses } = signatureCacheStats();
      expect(await codeOf(verifyChain(later, { trustedRoots: other }))).toBe('invalid_signature');
      expect(signatureCacheStats()).toMatchObject({ hits, misses: misses + 1 });
    }
  });

  it("keeps the root's and the agents' keys for the next token, not its next keys: verified again, only those are imported again", async () => {
    const token = (await chainOf('biscuit', 3)).toBytes();
    const hops = readSerialized(token).blocks.length - 1;
    // Off, so the second verification checks every signature again rather than finding it.
    configureSignatureCache({ maxEntries: 0 });
    const importKey = vi.spyOn(crypto.subtle, 'importKey');
    try {
      await verifyBiscuitAsync(token, [orgKey.publicKey], DEFAULT_LIMITS);
      const raw = () => importKey.mock.calls.filter(([format]) => format === 'raw').length;
      // Each block's next key but the last (whose secret is the proof), and any root or agent key not met before.
      const first = raw();
      expect(first).toBeGreaterThanOrEqual(hops);
      await verifyBiscuitAsync(token, [orgKey.publicKey], DEFAULT_LIMITS);
      expect(raw() - first).toBe(hops);
    } finally {
      importKey.mockRestore();
      configureSignatureCache();
    }
  });
});
