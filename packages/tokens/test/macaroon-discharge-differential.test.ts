import fc from 'fast-check';
import macaroonLib from 'macaroon';
import { describe, expect, it } from 'vitest';
import { AgentIdError } from '@agent-id/core';
import { exportBinary, readBinary } from '../src/macaroon/codec.js';
import * as keys from '../src/macaroon/keys.js';
import { type MacaroonDraft, addFirstPartyCaveat, addThirdPartyCaveat, boundSignature, newMacaroon, verifyWithDischarges } from '../src/macaroon/macaroon.js';

// Differential: whatever the macaroon package refuses, verifyWithDischarges refuses with a coded error.
const rootKey = new Uint8Array(32).fill(7);
const keyA = new Uint8Array(32).fill(9);
const keyB = new Uint8Array(32).fill(10);

type Mutation = 'none' | 'drop' | 'dup' | 'unbind' | 'bindOther' | 'tamperVid' | 'shortVid' | 'tamperSig' | 'extra' | 'swapIds' | 'nestedUndischarged' | 'bindToDischarge';

function build(nested: boolean, two: boolean) {
  const m = newMacaroon('primary', rootKey);
  addFirstPartyCaveat(m, 'a = 1');
  addThirdPartyCaveat(m, keyA, 'cav-A', 'https://a.example');
  if (two) addThirdPartyCaveat(m, keyB, 'cav-B', 'https://b.example');
  const ds: MacaroonDraft[] = [];
  const dA = newMacaroon('cav-A', keyA);
  addFirstPartyCaveat(dA, 'expires_at = 5');
  if (nested) addThirdPartyCaveat(dA, keyB, 'cav-N', 'https://n.example');
  ds.push(dA);
  if (two) {
    const dB = newMacaroon('cav-B', keyB);
    ds.push(dB);
  }
  if (nested) ds.push(newMacaroon('cav-N', keyB));
  return { m, ds };
}

function oracleAccepts(m: MacaroonDraft, ds: MacaroonDraft[]): boolean {
  try {
    const p = macaroonLib.importMacaroon(exportBinary(m));
    p.verify(rootKey, () => null, ds.map((d) => macaroonLib.importMacaroon(exportBinary(d))));
    return true;
  } catch {
    return false;
  }
}

function oursResult(m: MacaroonDraft, ds: MacaroonDraft[]): string {
  try {
    verifyWithDischarges(readBinary(exportBinary(m)), rootKey, ds.map((d) => readBinary(exportBinary(d))));
    return 'accepted';
  } catch (e) {
    if (e instanceof AgentIdError) return `${e.code}/${(e as AgentIdError & { check?: string }).check}`;
    return `UNCODED ${String(e)}`;
  }
}

describe('verifyWithDischarges against the macaroon package', () => {
  it('never accepts what the package refuses, always with a code', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom<Mutation>('none', 'drop', 'dup', 'unbind', 'bindOther', 'tamperVid', 'shortVid', 'tamperSig', 'extra', 'swapIds', 'nestedUndischarged', 'bindToDischarge'),
        fc.nat(40),
        (nested, two, mutation, at) => {
          const { m, ds } = build(nested, two);
          const other = newMacaroon('other', rootKey);
          let bound = ds.map((d) => ({ ...d, signature: boundSignature(m.signature, d.signature) }));
          const i = at % bound.length;
          if (mutation === 'drop') bound.splice(i, 1);
          if (mutation === 'dup') bound.push(bound[i]!);
          if (mutation === 'unbind') bound[i] = ds[i]!;
          if (mutation === 'bindOther') bound[i] = { ...ds[i]!, signature: boundSignature(other.signature, ds[i]!.signature) };
          if (mutation === 'bindToDischarge') bound[i] = { ...ds[i]!, signature: boundSignature(ds[0]!.signature, ds[i]!.signature) };
          if (mutation === 'tamperSig') {
            const s = Uint8Array.from(bound[i]!.signature);
            s[at % 32]! ^= 1;
            bound[i] = { ...bound[i]!, signature: s };
          }
          if (mutation === 'extra') bound.push({ ...other, signature: boundSignature(m.signature, other.signature) });
          if (mutation === 'swapIds' && bound.length > 1) bound = [{ ...bound[0]!, identifier: bound[1]!.identifier }, ...bound.slice(1)];
          if (mutation === 'nestedUndischarged' && nested) bound = bound.filter((d) => new TextDecoder().decode(d.identifier) !== 'cav-N');
          let primary = m;
          if (mutation === 'tamperVid' || mutation === 'shortVid') {
            const c = m.caveats[1]!;
            const vid = mutation === 'shortVid' ? c.vid!.subarray(0, 20 + (at % 20)) : Uint8Array.from(c.vid!);
            if (mutation === 'tamperVid') vid[at % vid.length]! ^= 1;
            // Re-sign the chain so that only the vid is wrong.
            const r = newMacaroon('primary', rootKey);
            addFirstPartyCaveat(r, 'a = 1');
            r.caveats.push({ ...c, vid });
            // signature recomputed the way the chain does
            r.signature = (() => {
              const { thirdPartyStep } = keys;
              let s = r.signature;
              s = thirdPartyStep(s, vid, c.identifier);
              for (const rest of m.caveats.slice(2)) {
                r.caveats.push(rest);
                s = thirdPartyStep(s, rest.vid!, rest.identifier);
              }
              return s;
            })();
            primary = r;
            bound = ds.map((d) => ({ ...d, signature: boundSignature(r.signature, d.signature) }));
          }
          const theirs = oracleAccepts(primary, bound);
          const ours = oursResult(primary, bound);
          const key = `${mutation} nested=${nested} two=${two}: oracle=${theirs ? 'accept' : 'refuse'} ours=${ours}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
          expect(ours.startsWith('UNCODED')).toBe(false);
          if (!theirs) expect(ours).not.toBe('accepted');
        },
      ),
      { numRuns: 600 },
    );
    console.log([...seen.keys()].sort().join('\n'));
  });
});
