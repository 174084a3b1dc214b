import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Base64url, sha256Hex, sha256Text } from '../src/internal.js';

describe('SHA-256 of text', () => {
  it('gives FIPS 180-2 vectors, as bytes, hex and base64url', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Base64url('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    expect(sha256Base64url('')).toBe('47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
    expect(Buffer.from(sha256Text('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toString('hex')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it("hashes any string's UTF-8 bytes as node:crypto does, long and lone-surrogate ones included", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ maxLength: 70_000 })), (text) => {
        const expected = createHash('sha256').update(text, 'utf8').digest();
        expect(sha256Base64url(text)).toBe(expected.toString('base64url'));
        expect(sha256Hex(text)).toBe(expected.toString('hex'));
      }),
      { numRuns: 200 },
    );
  });
});
