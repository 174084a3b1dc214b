import { describe, expect, it } from 'vitest';
import { authorize, mintCapability } from '../src/index.js';
import { AUD, ORG, capability, clock, codeOf, dids } from './helpers.js';

const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD };

describe('a Macaroon root secret changed in place', () => {
  it('no longer verifies tokens made under its old bytes (the imported key is not reused)', async () => {
    const secret = new Uint8Array(32).fill(42);
    const rootSecrets = { id: 'rotating', secret };
    const token = await mintCapability(capability(), { format: 'macaroon', rootSecret: rootSecrets, issuer: ORG });
    const opts = { request, presenter: dids[0]!, clock, rootSecrets };
    expect((await authorize(token, opts)).agent).toBe(dids[0]);
    // Rotated in place (the same array, new bytes): the old token must not verify.
    secret.fill(7);
    expect(await codeOf(authorize(token, opts))).toBe('invalid_signature');
    // A token made under the new bytes verifies.
    const fresh = await mintCapability(capability(), { format: 'macaroon', rootSecret: rootSecrets, issuer: ORG });
    expect((await authorize(fresh, opts)).agent).toBe(dids[0]);
  });
});
