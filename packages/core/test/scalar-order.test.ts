import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scalarBelowOrder } from '../src/raw-verifier.js';

// The S < L check every Ed25519 verification path makes, byte by byte, against the BigInt comparison.
const L = ed25519.Point.Fn.ORDER;

describe('scalarBelowOrder', () => {
  it('is the BigInt comparison S < L for any 32 bytes, at any offset', () => {
    const near = fc.bigInt({ min: L - 2n ** 20n, max: L + 2n ** 20n }).map((n) => numberToBytesLE(n, 32));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), near), fc.nat(8), (scalar, offset) => {
        const bytes = new Uint8Array(offset + 32);
        bytes.set(scalar, offset);
        expect(scalarBelowOrder(bytes, offset)).toBe(bytesToNumberLE(scalar) < L);
      }),
    );
    for (const n of [0n, L - 1n, L, L + 1n, 2n ** 256n - 1n]) expect(scalarBelowOrder(numberToBytesLE(n, 32), 0)).toBe(n < L);
  });
});
