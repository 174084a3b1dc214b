import fc from 'fast-check';
import macaroonLib from 'macaroon';
import { describe, expect, it } from 'vitest';
import { expectCode } from '@agent-id/test-support';
import { exportBinary, readBinary } from '../src/macaroon/codec.js';
import { addFirstPartyCaveat, addThirdPartyCaveat, boundSignature, newMacaroon, verifyWithDischarges } from '../src/macaroon/macaroon.js';

// This package's macaroons (HMAC chain, third-party caveats sealed with XSalsa20-Poly1305,
// discharges bound under a zero key) against the `macaroon` package, libmacaroons' format in
// JavaScript: each verifies what the other makes, byte for byte the same signatures.

const rootKey = new Uint8Array(32).fill(7);
const caveatKey = new Uint8Array(32).fill(9);

describe('macaroons made here and by the macaroon package', () => {
  it('the same caveats give the same signature, and first-party chains verify either way', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.array(fc.string({ minLength: 1, maxLength: 30 }), { maxLength: 6 }), (id, caveats) => {
        const ours = newMacaroon(id, rootKey);
        const theirs = macaroonLib.newMacaroon({ identifier: id, rootKey, version: 2 });
        for (const c of caveats) {
          addFirstPartyCaveat(ours, c);
          theirs.addFirstPartyCaveat(c);
        }
        expect(Buffer.from(ours.signature).toString('hex')).toBe(Buffer.from(theirs.signature).toString('hex'));
        expect(() => macaroonLib.importMacaroon(exportBinary(ours)).verify(rootKey, () => null, [])).not.toThrow();
        expect(() => verifyWithDischarges(readBinary(exportBinary(theirs)), rootKey, [])).not.toThrow();
      }),
      { numRuns: 50 },
    );
  });

  it('a third-party caveat and its bound discharge made here verify with the macaroon package', () => {
    const m = newMacaroon('primary', rootKey);
    addFirstPartyCaveat(m, 'a = 1');
    addThirdPartyCaveat(m, caveatKey, 'caveat-1', 'https://third.example');
    const d = newMacaroon('caveat-1', caveatKey);
    addFirstPartyCaveat(d, 'expires_at = 5');
    const bound = { ...d, signature: boundSignature(m.signature, d.signature) };
    const primary = macaroonLib.importMacaroon(exportBinary(m));
    const discharge = macaroonLib.importMacaroon(exportBinary(bound));
    expect(() => primary.verify(rootKey, () => null, [discharge])).not.toThrow();
    // The package's own binding of the unbound discharge gives the same signature.
    const theirs = macaroonLib.importMacaroon(exportBinary(d));
    theirs.bindToRoot(m.signature);
    expect(Buffer.from(theirs.signature).toString('hex')).toBe(Buffer.from(bound.signature).toString('hex'));
  });

  it('a third-party caveat and discharge made by the macaroon package verify here; tampering is refused with codes', async () => {
    const m = macaroonLib.newMacaroon({ identifier: 'primary', rootKey, version: 2 });
    m.addThirdPartyCaveat(caveatKey, 'caveat-1', 'https://third.example');
    const d = macaroonLib.newMacaroon({ identifier: 'caveat-1', rootKey: caveatKey, version: 2 });
    d.addFirstPartyCaveat('expires_at = 5');
    d.bindToRoot(m.signature);
    const primary = readBinary(exportBinary(m));
    const discharge = readBinary(exportBinary(d));
    expect(() => verifyWithDischarges(primary, rootKey, [discharge])).not.toThrow();

    const run = (f: () => void) => Promise.resolve().then(f);
    await expectCode(run(() => verifyWithDischarges(primary, rootKey, [])), 'denied', 'third_party');
    await expectCode(run(() => verifyWithDischarges(primary, rootKey, [discharge, discharge])), 'malformed_input', 'discharge');
    const unbound = macaroonLib.newMacaroon({ identifier: 'caveat-1', rootKey: caveatKey, version: 2 });
    await expectCode(run(() => verifyWithDischarges(primary, rootKey, [readBinary(exportBinary(unbound))])), 'invalid_signature', 'discharge_signature');
    const otherKey = macaroonLib.newMacaroon({ identifier: 'caveat-1', rootKey: new Uint8Array(32).fill(1), version: 2 });
    otherKey.bindToRoot(m.signature);
    await expectCode(run(() => verifyWithDischarges(primary, rootKey, [readBinary(exportBinary(otherKey))])), 'invalid_signature', 'discharge_signature');
    const vid = Uint8Array.from(primary.caveats[0]!.vid!);
    vid[30]! ^= 1;
    const tampered = { ...primary, caveats: [{ ...primary.caveats[0]!, vid }] };
    await expectCode(run(() => verifyWithDischarges(tampered, rootKey, [discharge])), 'invalid_signature', 'discharge_signature');
  });
});
