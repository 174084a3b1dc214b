import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';

// Review: crafted Biscuits (several roots, issuer-bound roots, a sealed token, a P-256
// delegator, a first-party check block, a verified parent under a root no longer trusted)
// verified on the web platform, synchronously (@noble/curves) and asynchronously (WebCrypto,
// every check started at once): the same verdict, code and check, with the caches cold or warm.
vi.mock('../../core/dist/platform/node.js', async () => await import('../../core/dist/platform/web.js'));

const { KeyPair } = await import('@agent-id/core');
const { PLATFORM } = await import('@agent-id/core/internal');
const { verifyBiscuit, verifyBiscuitAsync } = await import('../src/biscuit/chain.js');
const { attenuate, configureSignatureCache, mintCapability } = await import('../src/index.js');
const { DEFAULT_LIMITS } = await import('../src/limits.js');
const { withBiscuit } = await import('../src/wasm/runtime.js');
const { AUD, NOW, ORG, USER, agents, chainOf, clock, dids, orgKey } = await import('./helpers.js');
const { appendWithWasm } = await import('./envelope.js');
const { didKeyFromPublicKey } = await import('@agent-id/did');

type Trusted = Parameters<typeof verifyBiscuit>[1];
type Outcome = { chain: unknown; root: string; revocationIds: string[] } | { code: string; check: string | undefined };

function refusal(error: unknown): Outcome {
  const { code, check } = error as { code?: unknown; check?: string };
  if (typeof code !== 'string') throw error;
  return { code, check };
}
function sync(bytes: Uint8Array, trusted: Trusted): Outcome {
  try {
    const { chain, root, revocationIds } = verifyBiscuit(bytes, trusted, DEFAULT_LIMITS);
    return { chain, root: root.toMultibase(), revocationIds };
  } catch (error) {
    return refusal(error);
  }
}
async function async_(bytes: Uint8Array, trusted: Trusted): Promise<Outcome> {
  try {
    const { chain, root, revocationIds } = await verifyBiscuitAsync(bytes, trusted, DEFAULT_LIMITS);
    return { chain, root: root.toMultibase(), revocationIds };
  } catch (error) {
    return refusal(error);
  }
}

const flips = fc.array(fc.record({ at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }), { minLength: 0, maxLength: 2 });
const flipped = (bytes: Uint8Array, changes: { at: number; mask: number }[]) => {
  const out = Uint8Array.from(bytes);
  for (const { at, mask } of changes) out[at % out.length]! ^= mask;
  return out;
};

async function sealed(bytes: Uint8Array): Promise<Uint8Array> {
  return withBiscuit((glue) => {
    const key = glue.PublicKey.fromBytes(orgKey.publicKey.bytes, 0 as never);
    const token = glue.Biscuit.fromBytes(bytes, key);
    const seal = token.sealToken();
    try {
      return seal.toBytes();
    } finally {
      seal.free();
      token.free();
      key.free();
    }
  });
}

describe('crafted Biscuits on the web platform, sync and async', () => {
  afterAll(() => configureSignatureCache());
  const other = KeyPair.generate();
  const other2 = KeyPair.generate();

  it('runs on the web platform', () => {
    expect(PLATFORM).toBe('web');
  });

  it('the same verdict for crafted tokens under several trusts, caches cold and warm', async () => {
    const p256 = KeyPair.generate('P-256');
    const p256Did = didKeyFromPublicKey(p256.publicKey);
    const cap = { resources: ['r'], actions: ['a'], audience: [AUD], expiresAt: NOW + 600, maxDepth: 4, holder: p256Did, onBehalfOf: USER, task: 't' };
    const p256Token = await attenuate(await mintCapability(cap, { format: 'biscuit', rootKey: orgKey, issuer: ORG }), { clock, to: dids[1]!, signer: p256, trustedRoots: orgKey.publicKey });
    const parent = await chainOf('biscuit', 2);
    const withChecks = await appendWithWasm(parent, `check if time($t), $t < ${NOW + 60};`);
    let checkedChild: Uint8Array | undefined;
    try {
      checkedChild = (await attenuate(withChecks, { clock, to: dids[3]!, signer: agents[2]!, trustedRoots: orgKey.publicKey })).toBytes();
    } catch {
      checkedChild = undefined;
    }
    const child = (await attenuate(parent, { clock, to: dids[3]!, signer: agents[2]!, trustedRoots: orgKey.publicKey })).toBytes();
    const tokens: [string, Uint8Array, Uint8Array | undefined][] = [
      ['p256 hop', p256Token.toBytes(), undefined],
      ['sealed', await sealed(parent.toBytes()), undefined],
      ['first-party checks', withChecks.toBytes(), parent.toBytes()],
      ['child of verified parent', child, parent.toBytes()],
    ];
    if (checkedChild) tokens.push(['hop after checks', checkedChild, withChecks.toBytes()]);
    const trusts: [string, Trusted][] = [
      ['org', [orgKey.publicKey]],
      ['other, org', [other.publicKey, orgKey.publicKey]],
      ['org, other', [orgKey.publicKey, other.publicKey]],
      ['others only', [other.publicKey, other2.publicKey]],
      ['org bound to ORG', [{ issuer: ORG, publicKey: orgKey.publicKey }]],
      ['org bound elsewhere', [{ issuer: 'did:web:else.example', publicKey: orgKey.publicKey }]],
      ['other bound to ORG', [{ issuer: ORG, publicKey: other.publicKey }]],
    ];
    const seen = new Set<string>();
    for (const [name, bytes, prefix] of tokens) {
      for (const [trustName, trusted] of trusts) {
        await fc.assert(
          fc.asyncProperty(flips, fc.constantFrom('cold', 'warm-parent-org', 'warm-async-first'), async (changes, mode) => {
            const input = flipped(bytes, changes);
            configureSignatureCache({ maxEntries: 0 });
            const expected = sync(input, trusted);
            configureSignatureCache({ maxEntries: mode === 'cold' ? 0 : 10_000 });
            // The parent verified under the org root (the trust now may differ).
            if (mode === 'warm-parent-org' && prefix) verifyBiscuit(prefix, [orgKey.publicKey], DEFAULT_LIMITS);
            const got = await async_(input, trusted);
            expect(got).toEqual(expected);
            // And the sync path with the same warm caches.
            expect(sync(input, trusted)).toEqual(expected);
            seen.add(`${name} / ${trustName} / ${changes.length === 0 ? 'intact' : 'flipped'}: ${'code' in expected ? `${expected.code}/${expected.check}` : 'valid'}`);
          }),
          { numRuns: 40 },
        );
      }
    }
    console.log([...seen].sort().join('\n'));
  }, 240_000);
});
