import { KeyPair } from '@agent-id/core';
import { describe, expect, it } from 'vitest';
import { type AttenuateOptions, type CapabilityToken, attenuate, authorize, inspectToken, verifyChain } from '../src/index.js';
import { AUD, NOW, agents, chainOf, clock, codeOf, dids, mint, orgKey, trust } from './helpers.js';

// One hop planner for both formats: the same refusal, with the same code and check, from
// either. A caller's bug (no signer) is a TypeError; what a token or a peer brings is coded.

const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD };

async function refusal(promise: Promise<unknown>): Promise<{ code?: string; check?: string; type: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: string; check?: string };
    return { type: error instanceof TypeError ? 'TypeError' : (error as Error).constructor.name, ...(e.code ? { code: e.code, check: e.check } : {}) };
  }
  return { type: 'passed' };
}

describe.each(['biscuit', 'macaroon'] as const)('attenuate (%s): one planner, one set of errors', (format) => {
  const hand = (token: CapabilityToken, over: Partial<AttenuateOptions> = {}) =>
    attenuate(token, { clock, to: dids[1]!, signer: agents[0]!, trustedRoots: orgKey.publicKey, ...over });

  it('without a signer: TypeError (a caller bug)', async () => {
    const { signer: _s, ...options } = { to: dids[1]!, signer: agents[0]!, trustedRoots: orgKey.publicKey };
    expect((await refusal(attenuate(await mint(format), options))).type).toBe('TypeError');
  });

  it('to the holder itself: malformed_input (check chain), as authorize refuses such a hop', async () => {
    expect(await refusal(hand(await mint(format), { to: dids[0]! }))).toMatchObject({ code: 'malformed_input', check: 'chain' });
  });

  it('to a DID not in canonical form: malformed_input (check did)', async () => {
    expect(await refusal(hand(await mint(format), { to: `${dids[1]!}#key-1` }))).toMatchObject({ code: 'malformed_input', check: 'did' });
  });

  it('by a signer that is not the holder: holder_mismatch', async () => {
    expect(await refusal(hand(await mint(format), { signer: agents[4]! }))).toMatchObject({ code: 'holder_mismatch' });
  });

  it('with no depth left: depth_exceeded; widening: scope_widened; a narrowing that is no scope: malformed_input (check scope)', async () => {
    expect(await refusal(hand(await mint(format, { maxDepth: 0 })))).toMatchObject({ code: 'depth_exceeded' });
    expect(await refusal(hand(await mint(format), { narrowing: { actions: ['delete'] } }))).toMatchObject({ code: 'scope_widened', check: 'actions' });
    expect(await refusal(hand(await mint(format), { narrowing: { actions: [] } }))).toMatchObject({ code: 'malformed_input', check: 'scope' });
  });

  it('past maxBlocks: input_too_large (check max_blocks), before any token exists', async () => {
    const token = await chainOf(format, 2);
    const limits = { maxBlocks: 3 };
    expect(await refusal(attenuate(token, { clock, to: dids[3]!, signer: agents[2]!, trustedRoots: orgKey.publicKey, limits }))).toMatchObject({
      code: 'input_too_large',
      check: 'max_blocks',
    });
    // One hop fewer fits, and authorize with the same limits accepts what it made.
    const two = await attenuate(await chainOf(format, 1), { clock, to: dids[2]!, signer: agents[1]!, trustedRoots: orgKey.publicKey, limits });
    await expect(authorize(two, { request, presenter: dids[2]!, clock, ...trust(format), limits })).resolves.toBeTruthy();
  });

  it('a Biscuit needs a trusted root to be attenuated, a Macaroon none: untrusted_issuer (check root_key), as authorize and verifyChain; inspectToken reads either unverified', async () => {
    const token = await mint(format);
    const attenuated = await refusal(hand(token, { trustedRoots: [] }));
    if (format === 'biscuit') expect(attenuated).toMatchObject({ code: 'untrusted_issuer', check: 'root_key' });
    else expect(attenuated).toEqual({ type: 'passed' });
    expect(await refusal(inspectToken(token))).toEqual({ type: 'passed' });
    expect(await refusal(authorize(token, { request, presenter: dids[0]!, clock }))).toMatchObject({ code: 'untrusted_issuer', check: 'root_key' });
    expect(await refusal(verifyChain(token, {}))).toMatchObject({ code: 'untrusted_issuer', check: 'root_key' });
  });
});

describe('limits', () => {
  it('an unknown or old limit name is a TypeError, never silently ignored', async () => {
    const token = await mint('biscuit');
    for (const limits of [{ max_time_micro: 1 }, { maxTokenBytes: 10 }, { maxdatalogmicros: 5 }]) {
      await expect(authorize(token, { request, presenter: dids[0]!, clock, ...trust('biscuit'), limits: limits as never })).rejects.toThrow(TypeError);
    }
  });
});

describe('the caveat limit', () => {
  it('Macaroon: a hop whose caveats would pass maxCaveats is input_too_large (check max_caveats), not a TypeError', async () => {
    const partner = { location: 'https://partner.example/discharge', keyId: 'k', secret: new Uint8Array(32).fill(9), condition: 'live' };
    const token = await mint('macaroon');
    // 1 capability caveat + 1 delegation + 2 third-party caveats = 4.
    const options = { to: dids[1]!, signer: agents[0]!, thirdPartyCaveats: [partner, partner] };
    expect(await refusal(attenuate(token, { clock, ...options, limits: { maxCaveats: 3 } }))).toMatchObject({ code: 'input_too_large', check: 'max_caveats' });
    expect(await codeOf(attenuate(token, { clock, ...options, limits: { maxCaveats: 4 } }))).toBe('passed');
  });

  it('Biscuit: blocks are its caveats, bounded by maxBlocks with the same code', async () => {
    const token = await mint('biscuit');
    expect(await refusal(attenuate(token, { clock, to: dids[1]!, signer: agents[0]!, trustedRoots: orgKey.publicKey, limits: { maxBlocks: 1 } }))).toMatchObject({
      code: 'input_too_large',
      check: 'max_blocks',
    });
  });
});

describe('Biscuit-only constraints stay with the Biscuit encoder', () => {
  it('a delegate that is not a did:key, or a signer key Biscuit cannot check, is coded', async () => {
    const token = await mint('biscuit');
    expect(await refusal(attenuate(token, { clock, to: 'did:web:agent.example', signer: agents[0]!, trustedRoots: orgKey.publicKey }))).toMatchObject({ code: 'unknown_did' });
    const k1 = KeyPair.generate('secp256k1');
    expect(await refusal(attenuate(token, { clock, to: dids[1]!, signer: k1, trustedRoots: orgKey.publicKey }))).toMatchObject({ code: 'unsupported_algorithm' });
    // The same delegate is fine in a Macaroon, whose hops are verified by DID signature.
    expect(await codeOf(attenuate(await mint('macaroon'), { clock, to: 'did:web:agent.example', signer: agents[0]!, narrowing: { expiresAt: NOW + 60 } }))).toBe('passed');
  });
});
