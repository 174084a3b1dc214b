import { AgentIdError } from '@agent-id/core';
import { junkValues } from '@agent-id/test-support';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ChallengeStore,
  createAgentIdentity,
  createDidResolver,
  didWebDocumentUrl,
  parseDidWeb,
  publicKeyFromDidKey,
  publicKeyFromVerificationMethod,
  verifyOwnershipCredential,
  verifyProofOfControl,
} from '../src/index.js';

// The shared values of every type (@agent-id/test-support), then near-miss DIDs and
// verification-method shapes.
const JUNK: unknown[] = [
  ...junkValues,
  'did:',
  'did:key:',
  'did:web:',
  { id: 1 },
  { publicKeyJwk: {} },
  { publicKeyMultibase: 'z' },
  { publicKeyBase58: '0OIl', type: 'Ed25519VerificationKey2018' },
];

function outcome(f: () => unknown): Promise<string> {
  return Promise.resolve()
    .then(f)
    .then(
      () => 'ok',
      (e: unknown) => (e instanceof AgentIdError ? e.code : e instanceof TypeError ? 'TypeError' : `UNEXPECTED ${String(e)}`),
    );
}

describe('junk never crashes an export', () => {
  const resolver = createDidResolver();
  const challenges = new ChallengeStore({ audience: 'did:web:v' });
  const org = createAgentIdentity();
  const exports: [string, (x: unknown) => unknown][] = [
    ['publicKeyFromDidKey', (x) => publicKeyFromDidKey(x as string)],
    ['publicKeyFromVerificationMethod', (x) => publicKeyFromVerificationMethod(x)],
    ['parseDidWeb', (x) => parseDidWeb(x as string)],
    ['didWebDocumentUrl', (x) => didWebDocumentUrl(x as string)],
    ['resolver.resolve', (x) => resolver.resolve(x as string)],
    ['resolver.resolveKey', (x) => resolver.resolveKey(x as string, 'assertionMethod')],
    ['verifyOwnershipCredential', (x) => verifyOwnershipCredential(x, resolver, { trustedIssuers: [org.did] })],
    ['verifyProofOfControl', (x) => verifyProofOfControl(x, resolver, { challenges, trustedIssuers: [org.did] })],
    ['challenges.consume', (x) => challenges.consume(x)],
  ];
  it.each(exports)('%s', async (_name, f) => {
    for (const value of JUNK) {
      expect(await outcome(() => f(value))).not.toMatch(/^UNEXPECTED/);
    }
  });

  it('random strings and JWT-shaped strings get coded errors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map((p) => p.join('.').replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', ''))), async (s) => {
        for (const [, f] of exports) {
          const r = await outcome(() => f(s));
          expect(r).not.toMatch(/^UNEXPECTED/);
        }
        expect(await outcome(() => verifyOwnershipCredential(s, resolver, { trustedIssuers: [org.did] }))).not.toBe('ok');
      }),
      { numRuns: 200 },
    );
  });
});
