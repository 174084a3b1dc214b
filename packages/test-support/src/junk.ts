/** One junk value and how a failure names it. */
export type Junk = readonly [label: string, value: unknown];

const cyclic: Record<string, unknown> = { name: 'x' };
cyclic.self = cyclic;

/**
 * Values of every JavaScript type and the usual malformed text, for the junk loops of the
 * packages' tests (in the style of @noble/curves' tests): every export that takes untrusted
 * input gets each of them and must return or refuse with a coded error, never crash. A
 * package adds the values of its own domain (near-miss DIDs, tokens, cards) after these.
 *
 * Built once per test file (vitest isolates files): no test may change these values.
 */
export const junk: readonly Junk[] = Object.freeze([
  // primitives
  ['undefined', undefined],
  ['null', null],
  ['true', true],
  ['false', false],
  ['0', 0],
  ['-0', -0],
  ['-1', -1],
  ['1.5', 1.5],
  ['1e308', 1e308],
  ['2^53', 2 ** 53],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['bigint', 10n],
  ['symbol', Symbol('junk')],
  // text: empty, separators, JSON and JWT shapes, ill-formed UTF-16, control characters, size
  ['empty string', ''],
  ['" "', ' '],
  ['"a"', 'a'],
  ['"z"', 'z'],
  ['"."', '.'],
  ['"..", three empty parts', '..'],
  ['"="', '='],
  ['"none"', 'none'],
  ['"{"', '{'],
  ['"null"', 'null'],
  ['"[]"', '[]'],
  ['"\\"x\\""', '"x"'],
  ['JSON object text', '{"a":1}'],
  ['"a.b.c"', 'a.b.c'],
  ['unsigned JWT, alg none', 'eyJhbGciOiJub25lIn0.e30.'],
  ['lone surrogate', '\uD800'],
  ['NUL', '\u0000'],
  ['100,000 × "x"', 'x'.repeat(100_000)],
  ['300,000 × "x"', 'x'.repeat(300_000)],
  // arrays
  ['empty array', []],
  ['[1]', [1]],
  ['[1, 2]', [1, 2]],
  ['mixed array', [1, 'a', null]],
  ['sparse array', new Array(5)],
  ['deep array', JSON.parse(`${'['.repeat(5000)}${']'.repeat(5000)}`)],
  // objects
  ['empty object', {}],
  ['null-prototype object', Object.create(null)],
  ['cyclic object', cyclic],
  ['object with junk toString', { toString: () => 5, valueOf: () => ({}) }],
  ['Date', new Date(0)],
  ['invalid Date', new Date('x')],
  ['Map', new Map([[1, 2]])],
  ['Set', new Set([1])],
  ['RegExp', /x/],
  ['Error', new Error('e')],
  ['function', () => 1],
  ['class', class Junk {}],
  // bytes
  ['ArrayBuffer', new ArrayBuffer(8)],
  ['DataView', new DataView(new ArrayBuffer(4))],
  ['Uint16Array', new Uint16Array(4)],
  ['Buffer', Buffer.from('abc')],
  ['Uint8Array(0)', new Uint8Array(0)],
  ['Uint8Array(3)', new Uint8Array(3)],
  ['Uint8Array, not UTF-8', Uint8Array.of(0xff, 0xfe)],
  ['Uint8Array(32) zeros', new Uint8Array(32)],
] as Junk[]);

/** The values of {@link junk}, without labels. */
export const junkValues: readonly unknown[] = Object.freeze(junk.map(([, value]) => value));
