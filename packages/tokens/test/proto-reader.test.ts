import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectCode } from '@agent-id/test-support';
import { DEFAULT_SYMBOLS, readBlock } from '../src/biscuit/proto/block.js';
import { Reader, once } from '../src/biscuit/proto/reader.js';

// The reader's short paths (ASCII strings without a decoder call, small int64 varints
// without BigInt, singular fields as bits) read exactly what the general ones read.

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function varint(value: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, value);
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return out;
}

const lengthDelimited = (bytes: Uint8Array) => Uint8Array.from([...varint(BigInt(bytes.length)), ...bytes]);

describe('the protobuf reader', () => {
  it('reads any bytes as a string exactly as the strict UTF-8 decoder does, or refuses them with malformed_input', () => {
    const sometimesAscii = fc.oneof(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }).map((b) => b.map((x) => x & 0x7f)));
    fc.assert(
      fc.property(sometimesAscii, (bytes) => {
        let want: string | undefined;
        try {
          want = strict.decode(bytes);
        } catch {
          want = undefined;
        }
        const read = () => new Reader(lengthDelimited(bytes)).string('a symbol');
        if (want === undefined) expect(read).toThrow(expect.objectContaining({ code: 'malformed_input' }));
        else expect(read()).toBe(want);
      }),
    );
    expect(new Reader(lengthDelimited(new TextEncoder().encode('\uFEFFhop'))).string('a symbol')).toBe('\uFEFFhop');
  });

  it('reads an int64 varint of at most 7 bytes as the BigInt reader does, and leaves a longer one to it', () => {
    const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    fc.assert(
      fc.property(fc.oneof(int64, fc.bigInt({ min: 0n, max: 2n ** 50n })), (value) => {
        const bytes = Uint8Array.from([...varint(value), 0x08]);
        const fast = new Reader(bytes);
        const small = fast.smallVarint64();
        const general = new Reader(bytes);
        const big = BigInt.asIntN(64, general.varint64());
        expect(big).toBe(value);
        if (small === undefined) {
          expect(fast.pos).toBe(0);
          expect(value < 0n || value >= 2n ** 49n).toBe(true);
        } else {
          expect(BigInt(small)).toBe(value);
          expect(fast.pos).toBe(general.pos);
        }
      }),
    );
  });

  it('refuses a singular field seen twice, for every field number a schema has', async () => {
    for (let field = 0; field <= 30; field++) {
      if (field === 3) continue;
      const seen = once(once(0, 3), field);
      await expectCode(Promise.resolve().then(() => once(seen, field)), 'malformed_input', 'parse');
    }
    await expectCode(Promise.resolve().then(() => once(once(0, 3), 3)), 'malformed_input', 'parse');
  });
});

describe('a block\'s symbol table', () => {
  // A block of symbols only (field 1), Datalog version 3 (field 3).
  const blockOf = (symbols: readonly string[]) =>
    Uint8Array.from([...symbols.flatMap((s) => [0x0a, ...lengthDelimited(new TextEncoder().encode(s))]), 0x18, 3]);

  it('is refused exactly when a symbol repeats the default table, the table it extends, or itself', () => {
    const name = fc.constantFrom('a', 'b', 'read', 'query', 'did:key:z6MkexampleA', 'did:key:z6MkexampleB', 'é', '');
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 4 }), fc.array(name, { maxLength: 6 }), (inherited, own) => {
        const table = inherited.filter((s) => !DEFAULT_SYMBOLS.includes(s));
        const repeats = own.some((s, i) => DEFAULT_SYMBOLS.includes(s) || table.includes(s) || own.indexOf(s) !== i);
        if (repeats) expectCode(() => readBlock(blockOf(own), table), 'malformed_input');
        else expect(readBlock(blockOf(own), table).symbols).toEqual([...table, ...own]);
      }),
      { numRuns: 500 },
    );
  });
});
