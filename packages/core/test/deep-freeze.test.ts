import { describe, expect, it } from 'vitest';
import { deepFreeze } from '../src/internal.js';

describe('deepFreeze', () => {
  it('freezes an object, its arrays and everything they hold, and returns the same value', () => {
    const value = { chain: { hops: [{ from: 'did:web:acme.example', scopes: ['read'] }] }, count: 1 };
    expect(deepFreeze(value)).toBe(value);
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value.chain)).toBe(true);
    expect(Object.isFrozen(value.chain.hops)).toBe(true);
    expect(Object.isFrozen(value.chain.hops[0])).toBe(true);
    expect(Object.isFrozen(value.chain.hops[0]!.scopes)).toBe(true);
    expect(() => {
      (value.chain.hops as unknown[]).push({});
    }).toThrow(TypeError);
  });

  it('leaves byte arrays as they are (one with elements cannot be frozen) and freezes what is around them', () => {
    const bytes = Uint8Array.of(1, 2, 3);
    const value = { bytes, inner: { more: new Uint8Array(8) } };
    expect(() => deepFreeze(value)).not.toThrow();
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value.inner)).toBe(true);
    expect(Object.isFrozen(bytes)).toBe(false);
  });

  it('ends on cycles and does not walk a member already frozen', () => {
    const a: { self?: unknown; b: { a?: unknown } } = { b: {} };
    a.self = a;
    a.b.a = a;
    expect(deepFreeze(a)).toBe(a);
    expect(Object.isFrozen(a.b)).toBe(true);
    const inner = { n: 1 };
    const outer = Object.freeze({ inner });
    deepFreeze(outer);
    expect(Object.isFrozen(inner)).toBe(false);
  });

  it('passes primitives, null and undefined through', () => {
    for (const v of [null, undefined, 0, 'x', true, 10n]) expect(deepFreeze(v)).toBe(v);
  });
});
