import { KeyPair } from '@agent-id/core';
import { describe, expect, it } from 'vitest';
import { authorize, mintCapability, verifyChain } from '../src/index.js';
import { AUD, ORG, capability, clock, codeOf, dids, orgKey, rootSecret } from './helpers.js';

const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD, task: 'task-q3' };
const otherOrg = 'did:web:globex.example';
const otherKey = KeyPair.generate();
const otherSecret = { id: 'globex-1', secret: new Uint8Array(32).fill(9) };

describe('roots bound to the issuer they speak for', () => {
  it('Biscuit: another organisation\'s key cannot mint tokens naming this issuer', async () => {
    const roots = [
      { issuer: ORG, publicKey: orgKey.publicKey },
      { issuer: otherOrg, publicKey: otherKey.publicKey },
    ];
    // Globex signs a token that claims to come from Acme.
    const spoof = await mintCapability(capability(), { format: 'biscuit', rootKey: otherKey, issuer: ORG });
    expect(await codeOf(authorize(spoof, { request, presenter: dids[0]!, clock, trustedRoots: roots }))).toBe('invalid_signature');
    expect(await codeOf(verifyChain(spoof, { trustedRoots: roots }))).toBe('invalid_signature');
    // With bare keys the same token verifies (and names Acme): binding is what prevents it.
    expect((await authorize(spoof, { request, presenter: dids[0]!, clock, trustedRoots: [orgKey.publicKey, otherKey.publicKey] })).issuer).toBe(ORG);
    // Genuine tokens of both organisations pass; an issuer with no bound key is refused.
    const acme = await mintCapability(capability(), { format: 'biscuit', rootKey: orgKey, issuer: ORG });
    expect((await authorize(acme, { request, presenter: dids[0]!, clock, trustedRoots: roots })).issuer).toBe(ORG);
    const globex = await mintCapability(capability(), { format: 'biscuit', rootKey: otherKey, issuer: otherOrg });
    expect((await authorize(globex, { request, presenter: dids[0]!, clock, trustedRoots: roots })).issuer).toBe(otherOrg);
    expect(await codeOf(authorize(globex, { request, presenter: dids[0]!, clock, trustedRoots: [roots[0]!] }))).toBe('untrusted_issuer');
  });

  it('Macaroon: a secret bound to one issuer refuses tokens naming another', async () => {
    const spoof = await mintCapability(capability(), { format: 'macaroon', rootSecret: { ...otherSecret }, issuer: ORG });
    const secrets = [
      { ...rootSecret, issuer: ORG },
      { ...otherSecret, issuer: otherOrg },
    ];
    expect(await codeOf(authorize(spoof, { request, presenter: dids[0]!, clock, rootSecrets: secrets }))).toBe('untrusted_issuer');
    const genuine = await mintCapability(capability(), { format: 'macaroon', rootSecret, issuer: ORG });
    expect((await authorize(genuine, { request, presenter: dids[0]!, clock, rootSecrets: secrets })).issuer).toBe(ORG);
  });
});
