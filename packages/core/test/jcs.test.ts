import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize, canonicalizeToBytes } from '../src/index.js';
import { expectCode } from '@agent-id/test-support';
import { loadVector, toHex } from './helpers.js';

interface RfcVectors {
  section_3_2_2: { input: string; expected: string; expected_utf8_hex: string };
  section_3_2_3: { input: string; expected_value_order: string[] };
  appendix_b: { ieee754: string; json: string | null; comment: string }[];
}
interface CyberphoneVectors {
  cases: { name: string; input: string; expected: string; expectedHex: string }[];
}

const rfc = loadVector<RfcVectors>('jcs-rfc8785.json');
const cyberphone = loadVector<CyberphoneVectors>('jcs-cyberphone-testdata.json');

describe('RFC 8785 examples', () => {
  it('3.2.2 / 3.2.3: primitives serialize and sort as in the RFC', () => {
    const out = canonicalize(JSON.parse(rfc.section_3_2_2.input));
    expect(out).toBe(rfc.section_3_2_2.expected);
  });

  it('3.2.4: UTF-8 bytes of the canonical form', () => {
    const bytes = canonicalizeToBytes(JSON.parse(rfc.section_3_2_2.input));
    expect(toHex(bytes)).toBe(rfc.section_3_2_2.expected_utf8_hex.replace(/ /g, ''));
  });

  it('3.2.3: properties sorted by UTF-16 code units', () => {
    const out = canonicalize(JSON.parse(rfc.section_3_2_3.input));
    const values = Object.values(JSON.parse(out) as Record<string, string>);
    // Object.values reorders integer-like keys ("1"), so read the order from the text itself.
    const order = [...out.matchAll(/:"([^"]*)"/g)].map((m) => m[1]);
    expect(order).toEqual(rfc.section_3_2_3.expected_value_order);
    expect(values.sort()).toEqual([...rfc.section_3_2_3.expected_value_order].sort());
  });

  it.each(rfc.appendix_b)('appendix B: $ieee754 → $json ($comment)', ({ ieee754, json }) => {
    const value = Buffer.from(ieee754, 'hex').readDoubleBE(0);
    if (json === null) {
      expectCode(() => canonicalize(value), 'malformed_input', 'canonicalize');
      expectCode(() => canonicalize({ n: [value] }), 'malformed_input');
    } else {
      expect(canonicalize(value)).toBe(json);
      expect(canonicalize([value])).toBe(`[${json}]`);
    }
  });
});

describe('reference implementation test data (cyberphone/json-canonicalization)', () => {
  it.each(cyberphone.cases)('$name', ({ input, expected, expectedHex }) => {
    const out = canonicalize(JSON.parse(input));
    expect(out).toBe(expected);
    expect(toHex(canonicalizeToBytes(JSON.parse(input)))).toBe(expectedHex.toLowerCase());
  });
});

describe('values JSON cannot carry', () => {
  it.each([
    ['lone high surrogate', '\uD800'],
    ['lone low surrogate', '\uDC00'],
    ['reversed pair', '\uDC00\uD800'],
    ['high surrogate at end', 'abc\uDBFF'],
  ])('%s in a string or key is malformed_input', (_name, bad) => {
    expectCode(() => canonicalize(bad), 'malformed_input', 'canonicalize');
    expectCode(() => canonicalize({ [bad]: 1 }), 'malformed_input', 'canonicalize');
    expectCode(() => canonicalize([{ a: [bad] }]), 'malformed_input', 'canonicalize');
  });

  it('accepts well-formed surrogate pairs', () => {
    expect(canonicalize('\uD83D\uDE00')).toBe('"😀"');
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('%s is malformed_input', (n) => {
    expectCode(() => canonicalize(n), 'malformed_input', 'canonicalize');
    expectCode(() => canonicalize({ a: { b: n } }), 'malformed_input', 'canonicalize');
  });

  it('enforces the depth limit (default 64, configurable)', () => {
    const nest = (n: number): unknown => (n === 0 ? 1 : [nest(n - 1)]);
    expect(canonicalize(nest(64))).toBe(`${'['.repeat(64)}1${']'.repeat(64)}`);
    expectCode(() => canonicalize(nest(65)), 'malformed_input', 'canonicalize');
    expectCode(() => canonicalize(nest(4), { maxDepth: 3 }), 'malformed_input');
    expect(canonicalize(nest(3), { maxDepth: 3 })).toBe('[[[1]]]');
  });

  it('maps a stack overflow under a caller-raised depth limit to malformed_input', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expectCode(() => canonicalize(deep, { maxDepth: Number.POSITIVE_INFINITY }), 'malformed_input', 'canonicalize');
  });

  it('treats functions, symbols, bigints and cycles as caller bugs (TypeError)', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [() => 1, Symbol('s'), 1n, cyclic, { f: () => 1 }]) {
      expect(() => canonicalize(bad)).toThrow(TypeError);
    }
  });

  it('serializes the same object twice when it is shared, not cyclic', () => {
    const shared = { z: 1 };
    expect(canonicalize({ a: shared, b: [shared] })).toBe('{"a":{"z":1},"b":[{"z":1}]}');
  });
});

describe('agrees with JSON.stringify semantics', () => {
  it('omits undefined members, writes undefined array items as null', () => {
    expect(canonicalize({ b: undefined, a: [undefined, 1] })).toBe('{"a":[null,1]}');
  });

  it('honours toJSON (a Date becomes its ISO string), as RFC 8785 appendix A does', () => {
    const at = new Date('2030-01-02T03:04:05.000Z');
    expect(canonicalize({ at })).toBe('{"at":"2030-01-02T03:04:05.000Z"}');
    expect(canonicalize({ k: { toJSON: (key: string) => `key=${key}` } })).toBe('{"k":"key=k"}');
  });

  it('-0 is 0; escapes are the ECMAScript ones', () => {
    expect(canonicalize(-0)).toBe('0');
    expect(canonicalize('\u0000\b\t\n\f\r"\\\u001f\u007f/')).toBe('"\\u0000\\b\\t\\n\\f\\r\\"\\\\\\u001f\u007f/"');
  });
});

/** Random JSON values that JCS accepts (no lone surrogates, finite numbers). */
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string({ unit: 'grapheme' }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 6 }), tie('value'), { maxKeys: 6 }),
  ),
})).value;

function shuffleKeys(value: unknown, rand: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, rand));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: shuffleKeys(v, rand), enumerable: true, writable: true, configurable: true });
  return out;
}

describe('properties', () => {
  it('key order does not matter', () => {
    fc.assert(
      fc.property(jsonValue, fc.integer(), (value, seed) => {
        let s = seed >>> 0;
        const rand = () => {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          return s / 2 ** 32;
        };
        expect(canonicalize(shuffleKeys(value, rand))).toBe(canonicalize(value));
      }),
      { numRuns: 300 },
    );
  });

  it('canonical form is a fixed point and parses back to an equal value', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        const once = canonicalize(value);
        expect(canonicalize(JSON.parse(once))).toBe(once);
        expect(canonicalize(JSON.parse(JSON.stringify(value)))).toBe(once);
      }),
      { numRuns: 300 },
    );
  });
});

describe('lone surrogates, wherever they are', () => {
  const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  const units = fc.array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0xd7f0, max: 0xe010 }), fc.integer({ min: 0, max: 0xffff })), { maxLength: 8 });
  it('a string, as a value or a key, is refused (malformed_input) exactly when it holds a lone surrogate', () => {
    fc.assert(
      fc.property(units, fc.boolean(), (codes, asKey) => {
        const text = String.fromCharCode(...codes);
        const value = asKey ? { [text]: 1, z: [text.length] } : ['x', { a: text }];
        if (LONE.test(text)) expectCode(() => canonicalize(value), 'malformed_input', 'canonicalize');
        else expect(JSON.parse(canonicalize(value))).toEqual(value);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('cycles and depth', () => {
  /** A chain of `length` fresh objects whose last member points back `back` objects (0: no cycle). */
  function chainWithCycle(length: number, back: number): unknown {
    const nodes = Array.from({ length }, () => ({}) as Record<string, unknown>);
    nodes.forEach((node, i) => {
      if (i + 1 < length) node.next = nodes[i + 1];
    });
    if (back > 0) nodes[length - 1]!.next = nodes[length - back];
    return nodes[0];
  }
  it('a cycle reached within the depth limit is a TypeError, anything deeper than the limit first is malformed_input', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 140 }), fc.integer({ min: 0, max: 140 }), fc.integer({ min: 1, max: 100 }), (length, rawBack, maxDepth) => {
        const back = Math.min(rawBack, length);
        const value = chainWithCycle(length, back);
        // The path first repeats at depth `length` (the object `back` before the end comes again).
        if (back > 0 && length < maxDepth) expect(() => canonicalize(value, { maxDepth })).toThrow(TypeError);
        else if (back > 0 || length > maxDepth) expectCode(() => canonicalize(value, { maxDepth }), 'malformed_input', 'canonicalize');
        else expect(canonicalize(value, { maxDepth })).toMatch(/^\{/);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('deeply frozen values (their canonical text is kept while they live)', () => {
  const deepFreeze = <T>(v: T): T => {
    if (typeof v === 'object' && v !== null) {
      for (const m of Object.values(v)) deepFreeze(m);
      Object.freeze(v);
    }
    return v;
  };
  const nest = (v: unknown, levels: number): unknown => (levels === 0 ? v : [nest(v, levels - 1)]);
  const outcome = (f: () => string): string => {
    try {
      return f();
    } catch (error) {
      return `error ${(error as { code?: string }).code ?? (error as Error).name}`;
    }
  };

  it('property: a frozen value reads as its unfrozen copy, again and again, at any nesting under any depth limit', () => {
    fc.assert(
      fc.property(jsonValue, fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 16 }), (value, levels, maxDepth) => {
        const frozen = deepFreeze(structuredClone(value));
        for (const k of levels) {
          expect(outcome(() => canonicalize(nest(frozen, k), { maxDepth }))).toBe(outcome(() => canonicalize(nest(value, k), { maxDepth })));
          expect(outcome(() => canonicalize(nest(frozen, k)))).toBe(outcome(() => canonicalize(nest(value, k))));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('what can still change is read every time: an unfrozen member, a getter, toJSON, a frozen class instance', () => {
    const inner = { n: 1 };
    const withMutable = Object.freeze({ a: inner, b: Object.freeze(['x']) });
    expect(canonicalize(withMutable)).toBe('{"a":{"n":1},"b":["x"]}');
    inner.n = 2;
    expect(canonicalize(withMutable)).toBe('{"a":{"n":2},"b":["x"]}');

    let count = 0;
    const withGetter = Object.freeze(
      Object.defineProperty({}, 'n', {
        enumerable: true,
        get: () => ++count,
      }),
    );
    expect(canonicalize(withGetter)).toBe('{"n":1}');
    expect(canonicalize(withGetter)).toBe('{"n":2}');
    const getterInArray = Object.freeze([withGetter]);
    expect(canonicalize(getterInArray)).toBe('[{"n":3}]');
    expect(canonicalize(getterInArray)).toBe('[{"n":4}]');

    let stamp = 0;
    const withToJson = Object.freeze({ d: Object.freeze({ toJSON: () => ++stamp }) });
    expect(canonicalize(withToJson)).toBe('{"d":1}');
    expect(canonicalize(withToJson)).toBe('{"d":2}');

    class Box {
      get v(): number {
        return ++count;
      }
      w = 1;
    }
    const box = Object.freeze(new Box());
    expect(canonicalize(box)).toBe('{"w":1}');
    expect(canonicalize(Object.freeze({ box }))).toBe('{"box":{"w":1}}');
  });

  it('a frozen value with a lone surrogate is refused every time, never kept', () => {
    const bad = Object.freeze({ a: Object.freeze(['ok', '\ud800']) });
    expectCode(() => canonicalize(bad), 'malformed_input', 'canonicalize');
    expectCode(() => canonicalize(bad), 'malformed_input', 'canonicalize');
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    Object.freeze(cyclic);
    expect(() => canonicalize(cyclic)).toThrow(TypeError);
    expect(() => canonicalize(cyclic)).toThrow(TypeError);
  });
});
