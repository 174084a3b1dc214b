import { type AgentIdError, KeyPair } from '@agent-id/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyBiscuit, verifyBiscuitAsync } from '../src/biscuit/chain.js';
import { attenuate, configureSignatureCache } from '../src/index.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import type { TrustedRootKey } from '../src/roots.js';
import { agents, chainOf, clock, dids, orgKey } from './helpers.js';

// The asynchronous verification (WebCrypto off Node; every check started at once, the blocks
// read meanwhile) must give exactly the synchronous one's verdict: the same chain and root
// for a token that verifies, the same code and check for one that does not, whichever of
// its faults comes first.

type Outcome = { chain: unknown; root: string; revocationIds: string[] } | { code: string; check: string | undefined };

function refusal(error: unknown): Outcome {
  const { code, check } = error as AgentIdError;
  if (typeof code !== 'string') throw error;
  return { code, check };
}

function verifiedSync(bytes: Uint8Array, trusted: readonly TrustedRootKey[]): Outcome {
  try {
    const { chain, root, revocationIds } = verifyBiscuit(bytes, trusted, DEFAULT_LIMITS);
    return { chain, root: root.toMultibase(), revocationIds };
  } catch (error) {
    return refusal(error);
  }
}

async function verifiedAsync(bytes: Uint8Array, trusted: readonly TrustedRootKey[]): Promise<Outcome> {
  try {
    const { chain, root, revocationIds } = await verifyBiscuitAsync(bytes, trusted, DEFAULT_LIMITS);
    return { chain, root: root.toMultibase(), revocationIds };
  } catch (error) {
    return refusal(error);
  }
}

const flips = fc.array(fc.record({ at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 3 });
const flipped = (bytes: Uint8Array, changes: { at: number; mask: number }[]) => {
  const out = Uint8Array.from(bytes);
  for (const { at, mask } of changes) out[at % out.length]! ^= mask;
  return out;
};

describe('asynchronous Biscuit verification gives the synchronous verdict', () => {
  afterAll(() => configureSignatureCache());

  it('for a token that verifies: the same chain, root and revocation ids', async () => {
    const bytes = (await chainOf('biscuit', 3)).toBytes();
    configureSignatureCache({ maxEntries: 0 });
    const sync = verifiedSync(bytes, [orgKey.publicKey]);
    expect(sync).toHaveProperty('root', orgKey.publicKey.toMultibase());
    expect(await verifiedAsync(bytes, [orgKey.publicKey])).toEqual(sync);
  });

  it('for 1–3 flipped bytes anywhere: the same verdict, code and check, without the cache and with it (async first)', async () => {
    const bytes = (await chainOf('biscuit', 3)).toBytes();
    const other = KeyPair.generate().publicKey;
    for (const trusted of [[orgKey.publicKey], [other, orgKey.publicKey]]) {
      await fc.assert(
        fc.asyncProperty(flips, fc.boolean(), async (changes, cached) => {
          const input = flipped(bytes, changes);
          configureSignatureCache({ maxEntries: cached ? 10_000 : 0 });
          const async = await verifiedAsync(input, trusted);
          expect(async).toEqual(verifiedSync(input, trusted));
        }),
        { numRuns: 150 },
      );
    }
  });

  it('for a first-seen token below a verified parent: the same verdict for any flip of it', async () => {
    const parent = await chainOf('biscuit', 2);
    const bytes = (await attenuate(parent, { to: dids[3]!, signer: agents[2]!, trustedRoots: orgKey.publicKey, clock })).toBytes();
    await fc.assert(
      fc.asyncProperty(flips, async (changes) => {
        const input = flipped(bytes, changes);
        configureSignatureCache({ maxEntries: 10_000 });
        verifyBiscuit(parent.toBytes(), [orgKey.publicKey], DEFAULT_LIMITS);
        const async = await verifiedAsync(input, [orgKey.publicKey]);
        configureSignatureCache({ maxEntries: 10_000 });
        verifyBiscuit(parent.toBytes(), [orgKey.publicKey], DEFAULT_LIMITS);
        expect(async).toEqual(verifiedSync(input, [orgKey.publicKey]));
      }),
      { numRuns: 150 },
    );
  });
});
