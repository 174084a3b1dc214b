import { describe, expect, it, vi } from 'vitest';

// Off Node where a global Buffer exists (Bun; workerd with nodejs_compat; a page with a
// Buffer polyfill), tokens are decoded into one shared buffer, and a Buffer's `slice` is a
// view, not a copy. Here: Node, with core's web platform in place of node:crypto.
vi.mock('../../core/dist/platform/node.js', async () => await import('../../core/dist/platform/web.js'));

const { PLATFORM } = await import('@agent-id/core/internal');
const { CapabilityToken, configureSignatureCache, verifyChain } = await import('../src/index.js');
const { ownBytesOf } = await import('../src/token.js');
const { chainOf, clock, dids, trust } = await import('./helpers.js');

/** `bytes` with every occurrence of `from` replaced by `to` (as long). */
function replaced(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const a = new TextEncoder().encode(from);
  const b = new TextEncoder().encode(to);
  const out = Uint8Array.from(bytes);
  let found = 0;
  for (let i = 0; i + a.length <= out.length; i++) {
    if (a.every((byte, j) => out[i + j] === byte)) {
      out.set(b, i);
      found++;
    }
  }
  expect(found).toBeGreaterThan(0);
  return out;
}

describe('the web platform where a global Buffer exists', () => {
  it('runs here on the web platform, Buffer present', () => {
    expect(PLATFORM).toBe('web');
    expect(typeof (globalThis as { Buffer?: unknown }).Buffer).toBe('function');
  });

  it("a token's own bytes are a copy: decoding another token changes nothing in them", async () => {
    const a = CapabilityToken.parse((await chainOf('biscuit', 1)).serialize());
    const b = CapabilityToken.parse((await chainOf('biscuit', 2)).serialize());
    const own = ownBytesOf(a);
    const before = Uint8Array.from(own);
    ownBytesOf(b);
    expect(own).toEqual(before);
    expect(own).toEqual(a.toBytes());
  });

  it('a forged token verified at the same time as a valid one cannot lend it its chain', async () => {
    configureSignatureCache();
    const valid = (await chainOf('biscuit', 1)).serialize();
    // The hop's delegate replaced by another DID as long: its signatures no longer verify.
    const forged = Buffer.from(replaced(CapabilityToken.parse(valid).toBytes(), dids[1]!, dids[7]!)).toString('base64url');
    const options = { ...trust('biscuit'), clock };
    const [good, bad] = await Promise.allSettled([verifyChain(CapabilityToken.parse(valid), options), verifyChain(CapabilityToken.parse(forged), options)]);
    expect(bad).toMatchObject({ status: 'rejected', reason: { code: 'invalid_signature' } });
    expect(good.status).toBe('fulfilled');
    expect((good as PromiseFulfilledResult<{ chain: { to: string }[] }>).value.chain.at(-1)!.to).toBe(dids[1]);
    // And what was remembered for the valid token is its own chain.
    expect((await verifyChain(CapabilityToken.parse(valid), options)).chain.at(-1)!.to).toBe(dids[1]);
  });
});
