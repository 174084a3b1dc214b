import { KeyPair } from '@agent-id/core';
import { describe, expect, it } from 'vitest';
import { verifyBiscuit } from '../src/biscuit/chain.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { appendWithWasm, proofOf, resignBlock, wasmConverts } from './envelope.js';
import { NOW, chainOf, orgKey } from './helpers.js';
import { varint } from './protobuf.js';

// Past prost's reading, biscuit-auth converts each block to Datalog and refuses there what
// Datalog cannot hold: a set mixing types, and null, arrays or maps in a block declaring
// Datalog 3.1 or 3.2 (versions 4, 5). The strict reader refuses both when it reads the block.

const len = (field: number, data: number[]): number[] => [...varint((field << 3) | 2), ...varint(data.length), ...data];
const vi = (field: number, n: number): number[] => [...varint(field << 3), ...varint(n)];
const T = {
  int: (n: number) => vi(2, n),
  str: (symbol: number) => vi(3, symbol),
  date: (n: number) => vi(4, n),
  bool: (b: number) => vi(6, b),
  bigInt: () => [...varint(2 << 3), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
  set: (items: number[][]) => len(7, items.flatMap((i) => len(1, i))),
  null: () => len(8, []),
  array: (items: number[][]) => len(9, items.flatMap((i) => len(1, i))),
  map: (entries: Array<[number[], number[]]>) => len(10, entries.flatMap(([k, v]) => len(1, [...len(1, k), ...len(2, v)]))),
};

/** A first-party block of one check: `check if time(TERM)` (symbols 5 `time`, 27 `query`), or `check if TERM` as an expression. */
function checkBlock(term: number[], version: number, as: 'body' | 'expression'): Uint8Array {
  const head = vi(1, 27);
  const rule = as === 'body' ? [...len(1, head), ...len(2, [...vi(1, 5), ...len(2, term)])] : [...len(1, head), ...len(3, len(1, len(1, term)))];
  return Uint8Array.from([...vi(3, version), ...len(6, len(1, rule))]);
}

describe('the strict reader against biscuit-auth’s conversion of a block to Datalog', () => {
  it('accepts a block only when biscuit-wasm converts it too; refuses mixed sets, and v3.3 terms under versions 4 and 5, coded', async () => {
    const parent = await chainOf('biscuit', 2);
    const token = await appendWithWasm(parent, `check if time($t), $t < ${NOW + 60};`);
    const secret = proofOf(parent);
    const terms: Record<string, number[]> = {
      null: T.null(),
      '[1]': T.array([T.int(1)]),
      '[null]': T.array([T.null()]),
      '{1: "time"}': T.map([[vi(1, 1), T.str(5)]]),
      '{1, 2}': T.set([T.int(1), T.int(2)]),
      '{1, 2^63}': T.set([T.int(1), T.bigInt()]),
      '{1, true}': T.set([T.int(1), T.bool(1)]),
      '{1, "time"}': T.set([T.int(1), T.str(5)]),
      '{1, date}': T.set([T.int(1), T.date(1)]),
      '[{1, true}]': T.array([T.set([T.int(1), T.bool(1)])]),
    };
    const verdicts: Record<string, string> = {};
    for (const version of [3, 4, 5, 6]) {
      for (const [name, term] of Object.entries(terms)) {
        for (const as of ['body', 'expression'] as const) {
          const bytes = resignBlock(token, 3, secret, { next: KeyPair.generate() }, (b) => ({ ...b, block: checkBlock(term, version, as) })).toBytes();
          let ours = 'accepted';
          try {
            verifyBiscuit(bytes, [orgKey.publicKey], DEFAULT_LIMITS);
          } catch (error) {
            ours = `${String((error as { code?: unknown }).code)}/${(error as { check?: string }).check}`;
          }
          if (ours === 'accepted') expect({ name, version, as, converts: await wasmConverts(bytes) }).toEqual({ name, version, as, converts: true });
          verdicts[`${name} v${version} ${as}`] = ours;
        }
      }
    }
    for (const as of ['body', 'expression']) {
      for (const version of [3, 4, 5, 6]) {
        expect(verdicts[`{1, 2} v${version} ${as}`]).toBe('accepted');
        expect(verdicts[`{1, 2^63} v${version} ${as}`]).toBe('accepted');
        for (const mixed of ['{1, true}', '{1, "time"}', '{1, date}', '[{1, true}]']) expect(verdicts[`${mixed} v${version} ${as}`]).toBe('malformed_input/parse');
      }
      // As biscuit-auth: under version 3 it does not look (biscuit-wasm writes an array in a 3 block itself).
      for (const v33 of ['null', '[1]', '[null]', '{1: "time"}']) {
        for (const version of [3, 6]) expect(verdicts[`${v33} v${version} ${as}`]).toBe('accepted');
        for (const version of [4, 5]) expect(verdicts[`${v33} v${version} ${as}`]).toBe('malformed_input/check_block');
      }
    }
  }, 120_000);
});
