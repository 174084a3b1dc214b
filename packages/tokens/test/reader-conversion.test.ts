import { KeyPair } from '@agent-id/core';
import { describe, expect, it } from 'vitest';
import { appendWithWasm, envelopeOf, ourVerdict, proofOf, resignBlock, wasmConverts } from './envelope.js';
import { NOW, chainOf } from './helpers.js';
import { encode, fieldNumber, fieldsOf, varint } from './protobuf.js';

// Past prost's reading, biscuit-auth converts each block to Datalog and refuses there what
// Datalog cannot hold: a set mixing types, and a null in a block declaring Datalog 3.1 or
// 3.2 (versions 4, 5; arrays and maps it reads there). The strict reader refuses both when
// it reads the block, and accepts the rest as biscuit-wasm does.

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
  it('accepts a block exactly when biscuit-wasm converts it: refuses mixed sets, and null under versions 4 and 5, coded', async () => {
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
          const ours = ourVerdict(bytes);
          expect({ name, version, as, accepted: ours === 'accepted' }).toEqual({ name, version, as, accepted: await wasmConverts(bytes) });
          verdicts[`${name} v${version} ${as}`] = ours;
        }
      }
    }
    for (const as of ['body', 'expression']) {
      for (const version of [3, 4, 5, 6]) {
        for (const term of ['{1, 2}', '{1, 2^63}', '[1]', '[null]', '{1: "time"}']) expect(verdicts[`${term} v${version} ${as}`]).toBe('accepted');
        for (const mixed of ['{1, true}', '{1, "time"}', '{1, date}', '[{1, true}]']) expect(verdicts[`${mixed} v${version} ${as}`]).toBe('malformed_input/parse');
      }
      // As biscuit-auth: under version 3 it does not look.
      for (const version of [3, 6]) expect(verdicts[`null v${version} ${as}`]).toBe('accepted');
      for (const version of [4, 5]) expect(verdicts[`null v${version} ${as}`]).toBe('malformed_input/check_block');
    }
  }, 120_000);

  it('reads what biscuit-wasm writes: `check all` with an array or a map is a version-4 block', async () => {
    const parent = await chainOf('biscuit', 2);
    for (const code of ['check all time($t), [1, 2].contains(1);', 'check all time($t), {"a": 1}.contains("a");', 'check if time($t), [1, null].contains(1);']) {
      const bytes = (await appendWithWasm(parent, code)).toBytes();
      expect({ code, converts: await wasmConverts(bytes) }).toEqual({ code, converts: true });
      expect({ code, ours: ourVerdict(bytes) }).toEqual({ code, ours: 'accepted' });
    }
  }, 120_000);

  it('the version a check block declares: refused below what its checks need, as biscuit-auth does, and also 3.3 operations under 3, which no writer declares', async () => {
    const parent = await chainOf('biscuit', 2);
    const secret = proofOf(parent);
    const sources: Record<string, string> = {
      'check all (3.1)': 'check all time($t), $t > 0;',
      '!== (3.1)': 'check if time($t), $t !== 0;',
      'closure (3.3)': 'check if time($t), [1, 2].all($x -> $x > 0);',
      'reject if (3.3)': 'reject if time($t), $t < 0;',
      '.type() (3.3)': 'check if time($t), $t.type() == "date";',
      'try_or (3.3)': 'check if time($t), $t.try_or(1) == $t;',
    };
    const seen: Record<string, string> = {};
    for (const [name, code] of Object.entries(sources)) {
      const written = await appendWithWasm(parent, code);
      const block = envelopeOf(written).blocks.at(-1)!.block;
      for (const version of [3, 4, 5, 6]) {
        const declared = encode(fieldsOf(block).map((f) => (fieldNumber(f) === 3 ? { ...f, data: Uint8Array.from(varint(version)) } : f)));
        const bytes = resignBlock(written, 3, secret, { next: KeyPair.generate() }, (b) => ({ ...b, block: declared })).toBytes();
        const ours = ourVerdict(bytes);
        const wasm = await wasmConverts(bytes);
        seen[`${name} v${version}`] = `${ours === 'accepted' ? 'accepted' : ours}, wasm ${wasm ? 'converts' : 'refuses'}`;
        // Never looser than biscuit-auth.
        if (ours === 'accepted') expect({ name, version, wasm }).toEqual({ name, version, wasm: true });
      }
    }
    expect(seen['check all (3.1) v3']).toBe('malformed_input/check_block, wasm refuses');
    expect(seen['!== (3.1) v3']).toBe('malformed_input/check_block, wasm refuses');
    for (const feature of ['check all (3.1)', '!== (3.1)']) for (const version of [4, 5, 6]) expect(seen[`${feature} v${version}`]).toBe('accepted, wasm converts');
    for (const feature of ['closure (3.3)', 'reject if (3.3)', '.type() (3.3)', 'try_or (3.3)']) {
      for (const version of [4, 5]) expect(seen[`${feature} v${version}`]).toBe('malformed_input/check_block, wasm refuses');
      expect(seen[`${feature} v6`]).toBe('accepted, wasm converts');
    }
    expect(seen['reject if (3.3) v3']).toBe('malformed_input/check_block, wasm refuses');
    // biscuit-auth lets a block declaring 3 use 3.3 operations; this verifier does not.
    for (const feature of ['closure (3.3)', '.type() (3.3)', 'try_or (3.3)']) expect(seen[`${feature} v3`]).toBe('malformed_input/check_block, wasm converts');
  }, 120_000);
});
