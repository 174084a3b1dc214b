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

  it('hash() is the base64url SHA-256 of the wire form, the same for every parse of it', async () => {
    const token = await chainOf('biscuit', 1);
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256').update(token.serialize()).digest('base64url');
    expect(token.hash()).toBe(expected);
    expect(CapabilityToken.parse(token.serialize()).hash()).toBe(expected);
  });
});
