import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CapabilityToken } from '../src/index.js';
import { chainOf } from './helpers.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('CapabilityToken.parse checks the encoding without decoding it', () => {
  it('accepts exactly the canonical unpadded base64url spellings, with the format and size their bytes give', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ALPHABET, '=', '+', '/', '.'), { minLength: 1, maxLength: 14 }), (chars) => {
        const text = chars.join('');
        const bytes = Buffer.from(text, 'base64url');
        const canonical = /^[A-Za-z0-9_-]+$/.test(text) && text.length % 4 !== 1 && bytes.toString('base64url') === text;
        let token: CapabilityToken | undefined;
        try {
          token = CapabilityToken.parse(text);
        } catch (error) {
          expect(error).toMatchObject({ code: 'malformed_input' });
        }
        expect(token !== undefined).toBe(canonical);
        if (token) {
          expect(token.size).toBe(bytes.length);
          expect(token.format).toBe(bytes[0] === 2 ? 'macaroon' : 'biscuit');
          expect(Buffer.from(token.toBytes()).equals(bytes)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses the size before the encoding, in UTF-8 bytes: a text within the limit in characters but not in bytes is input_too_large', () => {
    const max = 64;
    // Canonical and within the limit: accepted, its length is its size.
    expect(CapabilityToken.parse('A'.repeat(max), { maxTokenChars: max }).size).toBe(48);
    expect(() => CapabilityToken.parse('A'.repeat(max + 4), { maxTokenChars: max })).toThrow(expect.objectContaining({ code: 'input_too_large' }));
    // 40 characters, 80 bytes: too large, though its characters are within the limit and it is no base64url at all.
    expect(() => CapabilityToken.parse('é'.repeat(40), { maxTokenChars: max })).toThrow(expect.objectContaining({ code: 'input_too_large' }));
    // Within the limit in bytes too: then the encoding is what is refused.
    expect(() => CapabilityToken.parse('é'.repeat(20), { maxTokenChars: max })).toThrow(expect.objectContaining({ code: 'malformed_input' }));
    expect(() => CapabilityToken.parse('AB=', { maxTokenChars: max })).toThrow(expect.objectContaining({ code: 'malformed_input' }));
    // Not canonical (non-zero trailing bits): refused as such.
    expect(() => CapabilityToken.parse('AB', { maxTokenChars: max })).toThrow(expect.objectContaining({ code: 'malformed_input' }));
    expect(CapabilityToken.parse('AA', { maxTokenChars: max }).size).toBe(1);
  });

  it('hash() is the base64url SHA-256 of the wire form, the same for every parse of it', async () => {
    const token = await chainOf('biscuit', 1);
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256').update(token.serialize()).digest('base64url');
    expect(token.hash()).toBe(expected);
    expect(CapabilityToken.parse(token.serialize()).hash()).toBe(expected);
  });
});
