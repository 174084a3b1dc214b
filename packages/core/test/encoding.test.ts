import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64urlDecode, base64urlEncode } from '../src/index.js';
import {
  assertSize,
  base58Decode,
  base58Encode,
  bytesToUtf8,
  concatBytes,
  equalBytes,
  multibaseDecode,
  multibaseEncode,
  sha256,
  sha256Hex,
  sha256PartsAsync,
  sha256Text,
  utf8ToBytes,
} from '../src/internal.js';
import { expectCode } from '@agent-id/test-support';
import { hex, toHex } from './helpers.js';

describe('base64url', () => {
  it('encodes unpadded URL-safe text (RFC 4648 section 10 vectors)', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['f', 'Zg'],
      ['fo', 'Zm8'],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg'],
      ['fooba', 'Zm9vYmE'],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, encoded] of cases) {
      expect(base64urlEncode(plain)).toBe(encoded);
      expect(bytesToUtf8(base64urlDecode(encoded))).toBe(plain);
    }
    expect(base64urlEncode(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
    expect(base64urlDecode('-_8')).toEqual(new Uint8Array([0xfb, 0xff]));
  });

  it('round-trips any bytes (also subarray views)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(10), (bytes, skip) => {
        const view = bytes.subarray(Math.min(skip, bytes.length));
        expect(base64urlDecode(base64urlEncode(view))).toEqual(new Uint8Array(view));
      }),
    );
  });

  it('returns a fresh array, not a view into a shared pool', () => {
    const out = base64urlDecode('AQID');
    expect(out.buffer.byteLength).toBe(3);
    expect(out.byteOffset).toBe(0);
  });

  it.each([
    ['padding', 'Zg=='],
    ['one pad', 'Zm8='],
    ['standard alphabet +', 'a+b'],
    ['standard alphabet /', 'a/b'],
    ['whitespace', 'Zm 9v'],
    ['newline', 'Zm9v\n'],
    ['length 1 mod 4', 'Zm9vY'],
    ['non-ASCII', 'Zm9€'],
    ['non-canonical trailing bits (Zh)', 'Zh'],
    ['non-canonical trailing bits (Zm9)', 'Zm9'],
    ['dot', 'a.b'],
  ])('%s is malformed_input', (_name, text) => {
    expectCode(() => base64urlDecode(text), 'malformed_input', 'parse');
  });

  it('non-strings are malformed_input, and messages name the field', () => {
    for (const bad of [undefined, null, 1, {}, [], new Uint8Array(2)]) expectCode(() => base64urlDecode(bad as unknown as string), 'malformed_input');
    expect(expectCode(() => base64urlDecode('@', 'JWK x'), 'malformed_input').message).toContain('JWK x');
  });
});

describe('multibase / base58btc', () => {
  it('encodes with the z prefix and round-trips, keeping leading zeros', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        const text = multibaseEncode(bytes);
        expect(text.startsWith('z')).toBe(true);
        expect(multibaseDecode(text)).toEqual(bytes);
        expect(base58Decode(base58Encode(bytes))).toEqual(bytes);
      }),
    );
    expect(base58Encode(new Uint8Array([0, 0, 1]))).toBe('112');
    expect(base58Encode(hex('ed01'))).toBe('K36');
  });

  it.each([
    ['no prefix', '6MkhaX'],
    ['base16 prefix', 'fed01'],
    ['base64url prefix', 'uAQID'],
    ['prefix only', 'z'],
    ['empty', ''],
    ['excluded letters 0 O I l', 'z0OIl'],
    ['non-ASCII', 'z€'],
    ['whitespace', 'z6Mk 1'],
  ])('%s is malformed_input', (_name, text) => {
    expectCode(() => multibaseDecode(text), 'malformed_input');
  });

  it('non-strings are malformed_input', () => {
    for (const bad of [undefined, null, 1, {}, new Uint8Array(1)]) {
      expectCode(() => multibaseDecode(bad as unknown as string), 'malformed_input');
      expectCode(() => base58Decode(bad as unknown as string), 'malformed_input');
    }
  });

  it('a long base58 string is refused (decoding is quadratic: long input never reaches it)', () => {
    expectCode(() => base58Decode('2'.repeat(100_000)), 'malformed_input');
  });
});

describe('bytes helpers', () => {
  it('concatBytes, equalBytes', () => {
    expect(concatBytes(new Uint8Array([1]), new Uint8Array(), new Uint8Array([2, 3]))).toEqual(new Uint8Array([1, 2, 3]));
    expect(equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(equalBytes(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(false);
  });

  it('strict UTF-8 decoding', () => {
    expect(bytesToUtf8(utf8ToBytes('héllo 😀'))).toBe('héllo 😀');
    for (const bad of ['ff', 'c0af', 'eda080', 'f4908080', 'e282']) expectCode(() => bytesToUtf8(hex(bad)), 'malformed_input');
  });

  it('assertSize measures UTF-8 bytes', () => {
    assertSize('a'.repeat(10), 10, 'x');
    expectCode(() => assertSize('a'.repeat(11), 10, 'x'), 'input_too_large', 'size_limit');
    assertSize('€'.repeat(3), 9, 'x');
    expectCode(() => assertSize('€'.repeat(4), 9, 'x'), 'input_too_large');
    expectCode(() => assertSize(new Uint8Array(11), 10, 'x'), 'input_too_large');
  });

  it('sha256PartsAsync on Node: the digest of the joined parts, as hex and base64url (natively; WebCrypto only off Node)', async () => {
    const parts = [utf8ToBytes('a'), new Uint8Array(0), utf8ToBytes('bc')];
    expect(await sha256PartsAsync(parts, 'hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha256PartsAsync(parts, 'base64url')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });

  it('sha256Hex (FIPS 180-2 "abc")', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(utf8ToBytes('abc'))).toBe(sha256Hex('abc'));
  });

  it('property: sha256Text is the SHA-256 of the UTF-8 bytes, for any text (lone surrogates as U+FFFD, texts past its buffer)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 64 }), fc.string({ unit: fc.constantFrom('a', '\ud800', '\udc00', 'é', '😀'), maxLength: 64 }), fc.string({ minLength: 20_000, maxLength: 30_000 })), (text) => {
        expect(sha256Text(text)).toEqual(sha256(utf8ToBytes(text)));
        expect(sha256Text(text)).toEqual(new Uint8Array(createHash('sha256').update(text, 'utf8').digest()));
      }),
      { numRuns: 60 },
    );
    expect(toHex(sha256Text('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('base64urlDecode accepts exactly the canonical spellings', () => {
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  it('any string of the alphabet: accepted iff decoding and encoding again gives it back, with those bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ALPHABET), { maxLength: 14 }), (chars) => {
        const text = chars.join('');
        const reference = Buffer.from(text, 'base64url');
        const canonical = text.length % 4 !== 1 && reference.toString('base64url') === text;
        let decoded: Uint8Array | undefined;
        try {
          decoded = base64urlDecode(text);
        } catch (error) {
          expect(error).toMatchObject({ code: 'malformed_input' });
        }
        expect(decoded !== undefined).toBe(canonical);
        if (decoded) expect(Buffer.from(decoded).equals(reference)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('decoded bytes own their memory (no view of a shared pool)', () => {
    const decoded = base64urlDecode('AQID');
    expect(decoded.buffer.byteLength).toBe(3);
    expect(decoded.byteOffset).toBe(0);
  });
});
