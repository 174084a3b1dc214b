import { base64urlEncode } from '@agent-id/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CapabilityToken, attenuate, authorize } from '../src/index.js';
import { AUD, NOW, agents, chainOf, clock, codeOf, dids, mint, orgKey, trust } from './helpers.js';

const RESOURCES = ['files:/a/*', 'files:/a/b', 'files:/c/*', 'db:x', 'db:y'];
const ACTIONS = ['read', 'write', 'delete'];
const AUDS = [AUD, 'did:web:other.example'];

const subset = <T>(items: readonly T[]) => fc.subarray([...items], { minLength: 1 });
const narrowingArb = fc.record({
  actions: fc.option(subset(ACTIONS), { nil: undefined }),
  resources: fc.option(subset(['files:/a/b', 'files:/a/b/*', 'db:x', 'files:/c/d']), { nil: undefined }),
  audience: fc.option(subset(AUDS), { nil: undefined }),
  expiresIn: fc.option(fc.integer({ min: 1, max: 3600 }), { nil: undefined }),
});
const requestArb = fc.record({
  resource: fc.constantFrom('files:/a/b', 'files:/a/b/c', 'files:/a/z', 'files:/c/d', 'db:x', 'db:y', 'other'),
  action: fc.constantFrom(...ACTIONS),
  audience: fc.constantFrom(...AUDS),
});

const allowed = async (format: 'biscuit' | 'macaroon', token: CapabilityToken, holder: string, request: { resource: string; action: string; audience: string }) =>
  (await codeOf(authorize(token, { request, presenter: holder, clock: () => (NOW + 1) * 1000, ...trust(format) }))) === 'passed';

describe.each(['biscuit', 'macaroon'] as const)('%s properties', (format) => {
  it('every request the final token allows, every earlier token allows', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ resources: subset(RESOURCES), actions: subset(ACTIONS), audience: subset(AUDS) }),
        fc.array(narrowingArb, { minLength: 1, maxLength: 3 }),
        fc.array(requestArb, { minLength: 4, maxLength: 8 }),
        async (cap, narrowings, requests) => {
          const tokens: CapabilityToken[] = [await mint(format, { ...cap, expiresAt: NOW + 3600, maxDepth: 4 })];
          for (const [i, n] of narrowings.entries()) {
            const narrowing = { ...(n.actions && { actions: n.actions }), ...(n.resources && { resources: n.resources }), ...(n.audience && { audience: n.audience }), ...(n.expiresIn && { expiresAt: NOW + n.expiresIn }) };
            const code = await codeOf(
              attenuate(tokens.at(-1)!, { clock, to: dids[i + 1]!, signer: agents[i]!, trustedRoots: orgKey.publicKey, narrowing }).then((t) => {
                tokens.push(t);
              }),
            );
            if (code !== 'passed') {
              expect(code).toBe('scope_widened');
              break;
            }
          }
          for (const request of requests) {
            const last = tokens.length - 1;
            if (!(await allowed(format, tokens[last]!, dids[last]!, request))) continue;
            for (let k = 0; k < last; k++) expect(await allowed(format, tokens[k]!, dids[k]!, request)).toBe(true);
          }
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);

  it('any single flipped byte makes verification fail with a code', async () => {
    const token = await chainOf(format, 2);
    const bytes = token.toBytes();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, mask) => {
        const copy = Uint8Array.from(bytes);
        copy[at]! ^= mask;
        const code = await codeOf(authorize(base64urlEncode(copy), { request: { resource: 'db:orders', action: 'read', audience: AUD }, presenter: dids[2]!, clock, ...trust(format) }));
        expect(['malformed_input', 'invalid_signature', 'unsupported_algorithm', 'denied', 'input_too_large', 'untrusted_issuer']).toContain(code);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('depth limits hold for any max depth', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 }), async (maxDepth) => {
        let token = await mint(format, { maxDepth });
        for (let i = 1; i <= maxDepth; i++) token = await attenuate(token, { clock, to: dids[i]!, signer: agents[i - 1]!, trustedRoots: orgKey.publicKey });
        expect(await codeOf(attenuate(token, { clock, to: dids[maxDepth + 1]!, signer: agents[maxDepth]!, trustedRoots: orgKey.publicKey }))).toBe('depth_exceeded');
      }),
      { numRuns: 8 },
    );
  }, 120_000);
});

describe('fuzz: random input never crashes the parsers', () => {
  it('random bytes and strings give coded errors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 600 }).map((b) => base64urlEncode(b)), fc.string({ maxLength: 300 }), fc.uint8Array({ minLength: 1, maxLength: 400 }).map((b) => base64urlEncode(Uint8Array.from([2, ...b])))), async (text) => {
        const code = await codeOf(authorize(text, { request: { resource: 'r', action: 'a', audience: AUD }, presenter: dids[0]!, clock, trustedRoots: orgKey.publicKey, rootSecrets: { id: 'k', secret: new Uint8Array(32) } }));
        expect(code).toMatch(/^(malformed_input|invalid_signature|input_too_large|denied)$/);
      }),
      { numRuns: 400 },
    );
  }, 120_000);
});
