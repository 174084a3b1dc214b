import { describe, expect, it } from 'vitest';
import { isRecord, parseJson } from '../src/internal.js';
import { expectCode } from '@agent-id/test-support';

describe('parseJson', () => {
  it('parses valid JSON', () => {
    expect(parseJson('{"a":[1,true,null,"x"]}')).toEqual({ a: [1, true, null, 'x'] });
    expect(parseJson(' 5 ')).toBe(5);
  });

  it('refuses oversize input before parsing it', () => {
    // Invalid JSON that is also too large: the size check must win.
    const e = expectCode(() => parseJson(`{${'x'.repeat(70_000)}`), 'input_too_large', 'size_limit');
    expect(e.message).toContain('65536');
    expectCode(() => parseJson('[1,2,3]', { maxBytes: 6 }), 'input_too_large');
    expect(parseJson('[1,2,3]', { maxBytes: 7 })).toEqual([1, 2, 3]);
    expectCode(() => parseJson(`"${'é'.repeat(4)}"`, { maxBytes: 9 }), 'input_too_large');
  });

  it.each(['', '{', '{"a":1,}', "{'a':1}", 'NaN', 'undefined', '[1] [2]', '{"a":01}', '\u0000'])('%j is malformed_input', (text) => {
    expectCode(() => parseJson(text), 'malformed_input', 'parse');
  });

  it('non-strings are malformed_input', () => {
    for (const bad of [undefined, null, 1, {}, new Uint8Array(2)]) expectCode(() => parseJson(bad as unknown as string), 'malformed_input');
  });

  it('enforces the depth limit (default 32)', () => {
    const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    expect(parseJson(nested(32))).toBeDefined();
    expectCode(() => parseJson(nested(33)), 'malformed_input');
    expectCode(() => parseJson('{"a":{"b":{"c":1}}}', { maxDepth: 2 }), 'malformed_input');
    expect(parseJson('{"a":{"b":1}}', { maxDepth: 2 })).toEqual({ a: { b: 1 } });
    expect(parseJson('1', { maxDepth: 0 })).toBe(1);
    expectCode(() => parseJson('[]', { maxDepth: 0 }), 'malformed_input');
  });

  it('deep input under a huge caller limit does not overflow the stack', () => {
    const n = 100_000;
    expect(parseJson(`${'['.repeat(n)}${']'.repeat(n)}`, { maxBytes: 1 << 20, maxDepth: Number.POSITIVE_INFINITY })).toBeDefined();
  });

  it('names the input in messages', () => {
    expect(expectCode(() => parseJson('{', { what: 'DID document' }), 'malformed_input').message).toContain('DID document');
  });

  it('"__proto__" stays an own member and does not touch the prototype', () => {
    const value = parseJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('isRecord', () => {
  it('is true only for plain non-array objects', () => {
    expect(isRecord({})).toBe(true);
    expect(isRecord([])).toBe(false);
    expect(isRecord(null)).toBe(false);
    expect(isRecord('x')).toBe(false);
  });
});
