import { KeyPair } from '@agent-id/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendWithWasm, ourVerdict, proofOf, resignBlock, wasmConverts } from './envelope.js';
import { NOW, chainOf } from './helpers.js';

// Review: a holder's first-party block with its Datalog bytes changed (flips, inserted and
// repeated bytes, fields past 30) and signed again with the holder's own secret: whatever
// this reader accepts, biscuit-wasm parses (prost) and converts to Datalog too (where
// biscuit-auth refuses unknown operators, mixed sets, v3.3 terms under an older version),
// and a refusal is always coded.
// Every kind of term biscuit-wasm writes: variables, strings, integers (one past 2^32), a
// set, null, arrays and maps nested in each other.
const CHECKS = `check if time($t), $t < ${NOW + 60}, "abc" == "abc", 12345678901 > 2, {1, 2}.contains(1), [1, [2], {"k": null, 3: {4}}].length() == 3, null == null;`;

describe('the strict reader against biscuit-wasm on re-signed first-party blocks', () => {
  it('every term kind biscuit-wasm writes is read; no single flipped bit of such a block is accepted unless biscuit-wasm reads it', async () => {
    const parent = await chainOf('biscuit', 2);
    const withChecks = await appendWithWasm(parent, CHECKS);
    expect(ourVerdict(withChecks.toBytes())).toBe('accepted');
    const secret = proofOf(parent);
    let length = 0;
    resignBlock(withChecks, 3, secret, { next: KeyPair.generate() }, (block) => {
      length = block.block.length;
      return block;
    });
    const outcomes = new Map<string, number>();
    for (let at = 0; at < length; at++) {
      for (let bit = 0; bit < 8; bit++) {
        const token = resignBlock(withChecks, 3, secret, { next: KeyPair.generate() }, (block) => {
          const b = Uint8Array.from(block.block);
          b[at]! ^= 1 << bit;
          return { ...block, block: b };
        });
        const bytes = token.toBytes();
        const ours = ourVerdict(bytes);
        outcomes.set(ours, (outcomes.get(ours) ?? 0) + 1);
        // A term's tag turned into null's, an array's or a map's with the wrong wire type was once accepted.
        if (ours === 'accepted') expect({ at, bit, wasm: await wasmConverts(bytes) }).toEqual({ at, bit, wasm: true });
      }
    }
    expect(outcomes.get('accepted')).toBeGreaterThan(0);
    expect(outcomes.get('malformed_input/parse')).toBeGreaterThan(0);
  }, 120_000);

  it('never accepts a block biscuit-wasm cannot read', async () => {
    const parent = await chainOf('biscuit', 2);
    const withChecks = await appendWithWasm(parent, CHECKS);
    const secret = proofOf(parent);
    const last = 3;
    const edits = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
      fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
      fc.record({ kind: fc.constant('field' as const), field: fc.integer({ min: 1, max: 40 }), wire: fc.constantFrom(0, 2), value: fc.nat(200) }),
    );
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(edits, { minLength: 1, maxLength: 2 }), async (changes) => {
        const token = resignBlock(withChecks, last, secret, { next: KeyPair.generate() }, (block) => {
          let b = Uint8Array.from(block.block);
          for (const c of changes) {
            const at = b.length === 0 ? 0 : ('at' in c ? c.at : 0) % b.length;
            if (c.kind === 'flip') b[at]! ^= c.mask;
            else if (c.kind === 'insert') b = Uint8Array.from([...b.subarray(0, at), ...c.bytes, ...b.subarray(at)]);
            else if (c.kind === 'repeat') b = Uint8Array.from([...b.subarray(0, at + c.length), ...b.subarray(at, at + c.length), ...b.subarray(at + c.length)]);
            else {
              const key = [(c.field << 3) | c.wire];
              const tag = key[0]! >= 0x80 ? [(key[0]! & 0x7f) | 0x80, key[0]! >> 7] : key;
              b = Uint8Array.from([...b, ...tag, ...(c.wire === 0 ? [c.value & 0x7f] : [1, c.value & 0x7f])]);
            }
          }
          return { ...block, block: b };
        });
        const bytes = token.toBytes();
        const ours = ourVerdict(bytes);
        outcomes.set(ours, (outcomes.get(ours) ?? 0) + 1);
        if (ours === 'accepted') expect(await wasmConverts(bytes)).toBe(true);
      }),
      { numRuns: 300 },
    );
    console.log([...outcomes].map(([k, n]) => `${k}: ${n}`).join('\n'));
  }, 120_000);
});
