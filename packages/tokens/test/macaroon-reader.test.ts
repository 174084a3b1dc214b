import { AgentIdError, MalformedInputError } from '@agent-id/core';
import fc from 'fast-check';
import macaroonLib from 'macaroon';
import { describe, expect, it } from 'vitest';
import { exportBinary, readBinary } from '../src/macaroon/codec.js';
import { mintCapability } from '../src/index.js';
import { capability, chainOf } from './helpers.js';

// The verifier reads macaroons with its own v2 reader; the macaroon library (with the
// canonical re-encoding check) is the independent implementation it must agree with.

type Outcome = { ok: true; view: unknown } | { ok: false; code: string };

/** The macaroon library's reading, with the one-encoding rule (the bytes it reads must be what exportBinary writes back). */
function libraryRead(bytes: Uint8Array) {
  let again: Uint8Array;
  let m: ReturnType<typeof macaroonLib.importMacaroon>;
  try {
    m = macaroonLib.importMacaroon(bytes);
    again = exportBinary(m);
  } catch (cause) {
    throw new MalformedInputError('does not parse', { check: 'parse', cause });
  }
  if (Buffer.compare(Buffer.from(again), Buffer.from(bytes)) !== 0) throw new MalformedInputError('not canonically encoded', { check: 'parse' });
  return m;
}

function view(m: { location: string; identifier: Uint8Array; caveats: readonly { identifier: Uint8Array; vid?: Uint8Array; location?: string }[]; signature: Uint8Array }) {
  return {
    location: m.location ?? '',
    identifier: Buffer.from(m.identifier).toString('hex'),
    caveats: m.caveats.map((c) => ({ identifier: Buffer.from(c.identifier).toString('hex'), vid: c.vid ? Buffer.from(c.vid).toString('hex') : '', location: c.location ?? '' })),
    signature: Buffer.from(m.signature).toString('hex'),
  };
}

function outcome(read: () => Parameters<typeof view>[0]): Outcome {
  try {
    return { ok: true, view: view(read()) };
  } catch (error) {
    expect(error).toBeInstanceOf(AgentIdError);
    return { ok: false, code: (error as AgentIdError).code };
  }
}

async function samples(): Promise<Uint8Array[]> {
  const withThirdParty = await mintCapability(capability(), {
    format: 'macaroon',
    rootSecret: { id: 'k', secret: new Uint8Array(32).fill(1) },
    issuer: 'did:web:acme.example',
    thirdPartyCaveats: [{ location: 'https://revocation.example', keyId: 'rv', secret: new Uint8Array(32).fill(2), condition: 'delegation-live' }],
  });
  const m = macaroonLib.newMacaroon({ identifier: 'id', location: 'https://loc.example', rootKey: new Uint8Array(32), version: 2 });
  m.addFirstPartyCaveat('a = 1');
  return [(await chainOf('macaroon', 3)).toBytes(), withThirdParty.toBytes(), exportBinary(m)];
}

describe('the native macaroon reader agrees with the macaroon library', () => {
  it('reads real tokens (hops, third-party caveats, a location) exactly as the library does', async () => {
    for (const bytes of await samples()) {
      const ours = outcome(() => readBinary(bytes));
      expect(ours.ok).toBe(true);
      expect(ours).toEqual(outcome(() => libraryRead(bytes)));
    }
  });

  it('any changed byte, truncation or extension: both accept the same, or both refuse', async () => {
    const inputs = await samples();
    const seen = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.property(
        fc.integer({ min: 0, max: inputs.length - 1 }),
        fc.oneof(
          fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
          fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
          fc.record({ kind: fc.constant('append' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
        ),
        (which, change) => {
          const bytes = Uint8Array.from(inputs[which]!);
          let input: Uint8Array;
          if (change.kind === 'flip') {
            bytes[change.at % bytes.length]! ^= change.mask;
            input = bytes;
          } else if (change.kind === 'cut') input = bytes.subarray(0, change.at % bytes.length);
          else input = Uint8Array.from([...bytes, ...change.extra]);
          const ours = outcome(() => readBinary(input));
          const theirs = outcome(() => libraryRead(input));
          seen[ours.ok ? 'accepted' : 'refused']++;
          if (ours.ok && theirs.ok) expect(ours.view).toEqual(theirs.view);
          // The native reader also refuses a signature that is not 32 bytes, which the library would only reject at verification.
          else if (!ours.ok && theirs.ok) expect((theirs.view as { signature: string }).signature.length).not.toBe(64);
          else expect(ours.ok).toBe(false);
        },
      ),
      { numRuns: 600 },
    );
    // Changes inside a field's content keep the encoding valid: both answers come up.
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('junk of every type is a coded error, never a crash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (junk) => {
        const ours = outcome(() => readBinary(junk));
        if (ours.ok) expect(outcome(() => libraryRead(junk)).ok).toBe(true);
        else expect(ours.code).toBe('malformed_input');
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a location of U+FEFF, or starting with it, in the head or a caveat (the library drops it: no canonical twin)', async () => {
    const [bytes] = await samples();
    const bom = [0xef, 0xbb, 0xbf];
    const insertions = [
      // Head: a location before the identifier.
      [1, [1, 3, ...bom]],
      [1, [1, 4, ...bom, 0x78]],
    ] as Array<[number, number[]]>;
    // First caveat: right after the head's end-of-section byte.
    const headEnd = 1 + 1 + 1 + bytes![2]! + 1;
    insertions.push([headEnd, [1, 3, ...bom]]);
    for (const [at, field] of insertions) {
      const changed = Uint8Array.from([...bytes!.subarray(0, at), ...field, ...bytes!.subarray(at)]);
      expect(outcome(() => readBinary(changed))).toEqual({ ok: false, code: 'malformed_input' });
      expect(outcome(() => libraryRead(changed)).ok).toBe(false);
    }
  });

  it('refuses a second encoding of the same macaroon: a padded length, an empty location', async () => {
    const [bytes] = await samples();
    // Field 2 (identifier) length written as two bytes instead of one.
    const length = bytes![2]!;
    expect(length).toBeLessThan(0x80);
    const padded = Uint8Array.from([...bytes!.subarray(0, 2), length | 0x80, 0, ...bytes!.subarray(3)]);
    expect(outcome(() => readBinary(padded))).toEqual({ ok: false, code: 'malformed_input' });
    expect(outcome(() => libraryRead(padded)).ok).toBe(false);
    const emptyLocation = Uint8Array.from([2, 1, 0, ...bytes!.subarray(1)]);
    expect(outcome(() => readBinary(emptyLocation))).toEqual({ ok: false, code: 'malformed_input' });
    expect(outcome(() => libraryRead(emptyLocation)).ok).toBe(false);
  });
});
