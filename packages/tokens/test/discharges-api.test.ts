import macaroonLib from 'macaroon';
import { describe, expect, it } from 'vitest';
import { exportBinary, importBinary } from '../src/macaroon/codec.js';
import { addThirdPartyCaveat, boundSignature } from '../src/macaroon/macaroon.js';
import { CapabilityToken, attenuate, authorize, bindDischarge, dischargeThirdPartyCaveat, inspectToken, mintCapability } from '../src/index.js';
import { AUD, NOW, ORG, agents, capability, clock, dids, failure, rootSecret } from './helpers.js';
import { tokenRootKey } from '../src/macaroon/keys.js';

// Review: hostile discharges through the public API; each refusal checked against the
// macaroon package where it has a verdict (it must refuse too, or we are only stricter).
const partner = { location: 'https://partner.example/discharge', keyId: 'acme-partner', secret: new Uint8Array(32).fill(9), condition: 'delegation-live' };
const partner2 = { ...partner, keyId: 'other-partner', secret: new Uint8Array(32).fill(11), condition: 'other' };
const request = { resource: 'files:/reports/q3.pdf', action: 'read', audience: AUD };
const fromBytes = (b: Uint8Array) => CapabilityToken.fromBytes('macaroon', b);

describe('hostile discharges through authorize', () => {
  it('refuses each with its code', async () => {
    const minted = await mintCapability(capability(), { format: 'macaroon', rootSecret, issuer: ORG });
    const token = await attenuate(minted, { clock, to: dids[1]!, signer: agents[0]!, thirdPartyCaveats: [partner, partner2] });
    const plain = await attenuate(minted, { clock, to: dids[1]!, signer: agents[0]! });
    const opts = { request, presenter: dids[1]!, clock, rootSecrets: rootSecret };
    const [c1, c2] = (await inspectToken(token)).thirdPartyCaveats;
    const d1 = await dischargeThirdPartyCaveat(c1!.caveatId, { keyId: partner.keyId, secret: partner.secret, expiresAt: NOW + 60, confirm: () => true });
    const d2 = await dischargeThirdPartyCaveat(c2!.caveatId, { keyId: partner2.keyId, secret: partner2.secret, expiresAt: NOW + 60, confirm: () => true });
    const b1 = bindDischarge(token, d1);
    const b2 = bindDischarge(token, d2);
    expect((await authorize(token, { ...opts, discharges: [b1, b2] })).agent).toBe(dids[1]);
    expect((await authorize(token, { ...opts, discharges: [b2, b1] })).agent).toBe(dids[1]);

    const oracle = (discharges: CapabilityToken[]) => {
      const root = tokenRootKey(rootSecret.secret, JSON.parse(new TextDecoder().decode(importBinary(token.toBytes()).identifier)).tid);
      try {
        macaroonLib.importMacaroon(token.toBytes()).verify(root, () => null, discharges.map((d) => macaroonLib.importMacaroon(d.toBytes())));
        return 'accepted';
      } catch {
        return 'refused';
      }
    };
    const cases: [string, CapabilityToken[], string][] = [
      ['one of two', [b1], 'denied/third_party'],
      ['twice', [b1, b1, b2], 'malformed_input/discharge'],
      ['unbound', [d1, b2], 'invalid_signature/discharge_signature'],
      ['bound to the plain token', [bindDischarge(plain, d1), b2], 'invalid_signature/discharge_signature'],
      ['bound to the other discharge', [bindDischarge(d2, d1), b2], 'invalid_signature/discharge_signature'],
      ['an unused extra', [b1, b2, bindDischarge(token, d1)], 'malformed_input/discharge'],
    ];
    // A discharge with its own third-party caveat (validly sealed and bound).
    const nested = importBinary(d1.toBytes());
    addThirdPartyCaveat(nested, new Uint8Array(32).fill(3), 'nested', 'https://n.example');
    const nestedBound = fromBytes(exportBinary({ ...nested, signature: boundSignature(importBinary(token.toBytes()).signature, nested.signature) }));
    cases.push(['discharge naming a third party', [nestedBound, b2], 'denied/third_party']);
    // A discharge that carries a location.
    const located = importBinary(b1.toBytes());
    cases.push(['discharge with a location', [fromBytes(exportBinary({ ...located, location: 'https://x.example' })), b2], 'malformed_input/discharge']);
    // A discharge whose id is another caveat's (the other organisation's) id.
    const swapped = importBinary(b1.toBytes());
    cases.push(['id of the other caveat', [fromBytes(exportBinary({ ...swapped, identifier: importBinary(b2.toBytes()).identifier })), b2], 'denied/third_party']);
    const results: string[] = [];
    for (const [name, discharges, expected] of cases) {
      const { code, check } = await failure(authorize(token, { ...opts, discharges }));
      const theirs = oracle(discharges);
      results.push(`${name}: ours ${code}/${check}, macaroon package ${theirs}`);
      expect(`${code}/${check}`).toBe(expected);
      if (theirs === 'refused') expect(code).not.toBe('passed');
    }
    // Discharges for a token with no third-party caveat, and junk bytes as a discharge.
    expect(await failure(authorize(plain, { ...opts, discharges: [b1] }))).toEqual({ code: 'malformed_input', check: 'discharge' });
    expect((await failure(authorize(token, { ...opts, discharges: ['AgIA', b2] }))).code).toBe('malformed_input');
    console.log(results.join('\n'));
  });
});
