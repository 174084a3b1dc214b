import { describe, expect, it } from 'vitest';
import { randomBytes } from '../src/internal.js';

describe('randomBytes', () => {
  it('draws of every size are fresh arrays of that length, and no two draws are alike', () => {
    const seen = new Set<string>();
    // Enough small draws to go through the pool several times, and large ones beside it.
    for (let i = 0; i < 600; i++) {
      for (const size of [16, 32, 64, 65, 1000]) {
        const bytes = randomBytes(size);
        expect(bytes).toBeInstanceOf(Uint8Array);
        expect(bytes.length).toBe(size);
        expect(bytes.byteOffset).toBe(0);
        expect(bytes.buffer.byteLength).toBe(size);
        const hex = Buffer.from(bytes).toString('hex');
        expect(seen.has(hex)).toBe(false);
        seen.add(hex);
      }
    }
    expect(randomBytes(0).length).toBe(0);
    expect(randomBytes(100_000).length).toBe(100_000);
  });

  it('a draw changed by its holder changes no other draw', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const before = Uint8Array.from(b);
    a.fill(0xff);
    expect(b).toEqual(before);
  });

  it('bits are spread evenly (every bit position set in about half of 4096 draws)', () => {
    const ones = new Array<number>(256).fill(0);
    for (let i = 0; i < 4096; i++) {
      const bytes = randomBytes(32);
      for (let bit = 0; bit < 256; bit++) ones[bit]! += (bytes[bit >> 3]! >> (bit & 7)) & 1;
    }
    // Binomial(4096, 1/2): 6 standard deviations are ±192.
    for (const count of ones) expect(Math.abs(count - 2048)).toBeLessThan(192);
  });

  it('a negative size is refused, as a typed array refuses it', () => {
    expect(() => randomBytes(-1)).toThrow(RangeError);
  });
});
