import { KeyPair } from '@agent-id/core';
import { afterAll, describe, expect, it } from 'vitest';
import { configureSignatureCache, verifyChain } from '../src/index.js';
import { ORG, chainOf, failure, orgKey } from './helpers.js';

// Review: a chain verified once (and so in the verified-chain cache) is not lent to another
// trust or other limits: each of these is refused as it is with the cache empty.
describe('the verified-chain cache and a changed trust', () => {
  afterAll(() => configureSignatureCache());

  it('refuses under another trust or limits after a verification under the right one', async () => {
    const token = await chainOf('biscuit', 3);
    const other = KeyPair.generate().publicKey;
    const cases: [string, Parameters<typeof verifyChain>[1]][] = [
      ['another root', { trustedRoots: other }],
      ['the root bound to another issuer', { trustedRoots: { issuer: 'did:web:else.example', publicKey: orgKey.publicKey } }],
      ['fewer blocks allowed', { trustedRoots: orgKey.publicKey, limits: { maxBlocks: 3 } }],
      ['a shorter token allowed', { trustedRoots: orgKey.publicKey, limits: { maxTokenChars: 200 } }],
    ];
    for (const cached of [false, true]) {
      for (const [name, options] of cases) {
        configureSignatureCache({ maxEntries: 0 });
        const cold = await failure(verifyChain(token, options));
        configureSignatureCache();
        if (cached) expect((await verifyChain(token, { trustedRoots: orgKey.publicKey })).chain).toHaveLength(4);
        const warm = await failure(verifyChain(token, options));
        expect(cold.code, name).not.toBe('passed');
        expect(warm, name).toEqual(cold);
      }
    }
    // A trusted list changed in place: the same array, the org root replaced by another key.
    configureSignatureCache();
    const list = [{ issuer: ORG, publicKey: orgKey.publicKey }];
    expect((await verifyChain(token, { trustedRoots: list })).chain).toHaveLength(4);
    list[0] = { issuer: ORG, publicKey: other };
    expect((await failure(verifyChain(token, { trustedRoots: list }))).code).toBe('invalid_signature');
    const bound = { issuer: ORG, publicKey: orgKey.publicKey };
    const list2 = [bound];
    expect((await verifyChain(token, { trustedRoots: list2 })).chain).toHaveLength(4);
    bound.issuer = 'did:web:else.example';
    expect((await failure(verifyChain(token, { trustedRoots: list2 }))).code).toBe('untrusted_issuer');
  });
});
