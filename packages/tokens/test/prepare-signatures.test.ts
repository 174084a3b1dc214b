import { afterAll, describe, expect, it, vi } from 'vitest';

// Off Node a Biscuit's signatures verify with WebCrypto, and its blocks are read in
// JavaScript meanwhile: once `prepareSignaturesAsync` has imported the keys, every
// verification must be in WebCrypto's hands when `verifySignaturesAsync` returns (before the
// blocks are read), not posted one by one as the caller yields. The web platform runs here
// under Node, as in a browser.
vi.mock('../../core/dist/platform/node.js', async () => await import('../../core/dist/platform/web.js'));

const { PLATFORM } = await import('@agent-id/core/internal');
const { verifyBiscuit, verifyBiscuitAsync } = await import('../src/biscuit/chain.js');
const { readSerialized } = await import('../src/biscuit/proto/envelope.js');
const { prepareSignaturesAsync, verifySignaturesAsync } = await import('../src/biscuit/signatures.js');
const { attenuate, configureSignatureCache } = await import('../src/index.js');
const { DEFAULT_LIMITS } = await import('../src/limits.js');
const { agents, chainOf, clock, dids, orgKey } = await import('./helpers.js');

describe('verifications handed to WebCrypto before the blocks are read', () => {
  afterAll(() => configureSignatureCache());

  it('runs on the web platform', () => {
    expect(PLATFORM).toBe('web');
  });

  it('after prepareSignaturesAsync, verifySignaturesAsync has posted every signature of a new 5-hop token when it returns', async () => {
    configureSignatureCache({ maxEntries: 0 });
    const token = await chainOf('biscuit', 5, { maxDepth: 5 });
    const envelope = readSerialized(token.toBytes());
    const posted = vi.spyOn(globalThis.crypto.subtle, 'verify');
    try {
      await prepareSignaturesAsync(envelope, [orgKey.publicKey]);
      posted.mockClear();
      const verdict = verifySignaturesAsync(envelope, [orgKey.publicKey]);
      // The root's, then each hop block's and its delegator's: 1 + 2 × 5.
      expect(posted).toHaveBeenCalledTimes(11);
      expect((await verdict).equals(orgKey.publicKey)).toBe(true);
    } finally {
      posted.mockRestore();
    }
  });

  it('prepareSignaturesAsync never rejects, whatever the envelope holds; the verification still refuses, with its code', async () => {
    configureSignatureCache({ maxEntries: 0 });
    const token = (await chainOf('biscuit', 2)).toBytes();
    // Each single-byte change that still reads as an envelope: prepared, then refused or
    // allowed exactly as the synchronous verification decides.
    const envelope = readSerialized(token);
    let prepared = 0;
    for (let at = 0; at < token.length; at += 7) {
      const bytes = Uint8Array.from(token);
      bytes[at]! ^= 0x20;
      let changed: ReturnType<typeof readSerialized>;
      try {
        changed = readSerialized(bytes);
      } catch {
        continue;
      }
      await expect(prepareSignaturesAsync(changed, [orgKey.publicKey])).resolves.toBeUndefined();
      prepared++;
      const outcome = (run: () => unknown) =>
        Promise.resolve()
          .then(run)
          .then(
            () => 'allowed',
            (error: { code?: string; check?: string }) => `${error.code} ${error.check}`,
          );
      expect(await outcome(() => verifyBiscuitAsync(bytes, [orgKey.publicKey], DEFAULT_LIMITS))).toBe(await outcome(() => verifyBiscuit(bytes, [orgKey.publicKey], DEFAULT_LIMITS)));
    }
    expect(prepared).toBeGreaterThan(20);
    expect(envelope.blocks).toHaveLength(3);
  });

  it('a token extending a verified parent: its new verifications are posted at once too, and the verdict is the synchronous one', async () => {
    configureSignatureCache({ maxEntries: 10_000 });
    const parent = await chainOf('biscuit', 3);
    await verifyBiscuitAsync(parent.toBytes(), [orgKey.publicKey], DEFAULT_LIMITS);
    const child = await attenuate(parent, { clock, to: dids[4]!, signer: agents[3]!, trustedRoots: orgKey.publicKey });
    const envelope = readSerialized(child.toBytes());
    const posted = vi.spyOn(globalThis.crypto.subtle, 'verify');
    try {
      await prepareSignaturesAsync(envelope, [orgKey.publicKey]);
      posted.mockClear();
      const verdict = verifySignaturesAsync(envelope, [orgKey.publicKey], { blocks: 4, root: orgKey.publicKey });
      // Only the new hop block's signature and its delegator's.
      expect(posted).toHaveBeenCalledTimes(2);
      await verdict;
      const { chain } = await verifyBiscuitAsync(child.toBytes(), [orgKey.publicKey], DEFAULT_LIMITS);
      expect(chain).toEqual(verifyBiscuit(child.toBytes(), [orgKey.publicKey], DEFAULT_LIMITS).chain);
    } finally {
      posted.mockRestore();
    }
  });
});
