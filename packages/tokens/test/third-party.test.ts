import { describe, expect, it } from 'vitest';
import { attenuate, authorize, bindDischarge, dischargeThirdPartyCaveat, inspectToken, mintCapability } from '../src/index.js';
import { AUD, NOW, ORG, agents, capability, clock, codeOf, dids, rootSecret } from './helpers.js';

const partner = { location: 'https://partner.example/discharge', keyId: 'acme-partner', secret: new Uint8Array(32).fill(9), condition: 'delegation-live' };
const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD };

describe('Macaroon third-party caveats (cross-organisation liveness)', () => {
  it('needs a bound, unexpired discharge from the other organisation', async () => {
    const minted = await mintCapability(capability(), { format: 'macaroon', rootSecret, issuer: ORG });
    // Agent 0 delegates across the organisation boundary: partner must confirm liveness.
    const token = await attenuate(minted, { clock, to: dids[1]!, signer: agents[0]!, thirdPartyCaveats: [partner] });
    const opts = { request, presenter: dids[1]!, clock, rootSecrets: rootSecret };
    expect(await codeOf(authorize(token, opts))).toBe('denied');

    const [caveat] = (await inspectToken(token)).thirdPartyCaveats;
    expect(caveat).toMatchObject({ location: partner.location, keyId: partner.keyId, condition: 'delegation-live' });
    const live = new Set(['delegation-live']);
    const discharge = await dischargeThirdPartyCaveat(caveat!.caveatId, { keyId: partner.keyId, secret: partner.secret, expiresAt: NOW + 60, confirm: (c) => live.has(c.condition) });

    expect(await codeOf(authorize(token, { ...opts, discharges: [discharge] }))).toBe('invalid_signature');
    const bound = bindDischarge(token, discharge);
    const result = await authorize(token, { ...opts, discharges: [bound] });
    expect(result.chain).toHaveLength(2);

    // The confirmation is short-lived.
    expect(await codeOf(authorize(token, { ...opts, discharges: [bound], clock: () => (NOW + 61) * 1000 }))).toBe('expired');
    // A discharge bound to another token does not carry over.
    const further = await attenuate(token, { clock, to: dids[2]!, signer: agents[1]! });
    expect(await codeOf(authorize(further, { ...opts, presenter: dids[2]!, discharges: [bound] }))).toBe('invalid_signature');
    await expect(authorize(further, { ...opts, presenter: dids[2]!, discharges: [bindDischarge(further, discharge)] })).resolves.toBeTruthy();

    // The partner refuses when the delegation is no longer live.
    live.clear();
    expect(await codeOf(dischargeThirdPartyCaveat(caveat!.caveatId, { keyId: partner.keyId, secret: partner.secret, expiresAt: NOW + 60, confirm: (c) => live.has(c.condition) }))).toBe('denied');
    // A discharge made with the wrong shared secret does not verify.
    const wrong = await dischargeThirdPartyCaveat(caveat!.caveatId, { keyId: partner.keyId, secret: new Uint8Array(32).fill(1), expiresAt: NOW + 60, confirm: () => true });
    expect(await codeOf(authorize(token, { ...opts, discharges: [bindDischarge(token, wrong)] }))).toBe('invalid_signature');
  });
});
