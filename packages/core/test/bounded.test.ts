import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedMap, BoundedSet } from '../src/internal.js';

/** What a bounded collection should hold after `ops`: the last `max` distinct keys set, in the order they were first set since they were last forgotten. */
function model(max: number, ops: ReadonlyArray<{ del: boolean; key: number }>): number[] {
  let held: number[] = [];
  for (const { del, key } of ops) {
    if (del) held = held.filter((k) => k !== key);
    else if (!held.includes(key)) {
      if (held.length >= max) held.shift();
      held.push(key);
    }
  }
  return held;
}

const ops = fc.array(fc.record({ del: fc.boolean(), key: fc.integer({ min: 0, max: 12 }) }), { maxLength: 80 });

describe('BoundedMap and BoundedSet', () => {
  it('hold at most max entries, forgetting the oldest first; setting a held key again keeps its place and takes the new value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), ops, (max, list) => {
        const map = new BoundedMap<number, string>(max);
        const set = new BoundedSet<number>(max);
        list.forEach(({ del, key }, i) => {
          if (del) {
            map.delete(key);
            set.delete(key);
          } else {
            map.set(key, `v${i}`);
            set.add(key);
          }
          expect(map.size).toBeLessThanOrEqual(max);
          expect(set.size).toBeLessThanOrEqual(max);
        });
        const held = model(max, list);
        expect([...map.keys()]).toEqual(held);
        expect([...set]).toEqual(held);
        for (const key of held) {
          let last = -1;
          list.forEach((op, i) => {
            if (!op.del && op.key === key) last = i;
          });
          expect(map.get(key)).toBe(`v${last}`);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuse a bound that is not a positive integer (a caller bug: TypeError)', () => {
    for (const max of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => new BoundedMap(max)).toThrow(TypeError);
      expect(() => new BoundedSet(max)).toThrow(TypeError);
    }
  });

  it('are a Map and a Set to their readers', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('c', 3);
    expect(map).toBeInstanceOf(Map);
    expect(Object.fromEntries(map)).toEqual({ b: 2, c: 3 });
    const set = new BoundedSet<string>(1);
    set.add('a').add('b');
    expect(set).toBeInstanceOf(Set);
    expect([...set]).toEqual(['b']);
  });
});
