import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedMap, BoundedSet, WeightedMap } from '../src/internal.js';

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
// Long runs over few keys: keys deleted and set again pile up in the insertion order until it starts again.
const longOps = fc.array(fc.record({ del: fc.boolean(), key: fc.integer({ min: 0, max: 5 }) }), { minLength: 300, maxLength: 3000 });

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

  it('keep that order over long runs of deletes and sets of a few keys, and after clear()', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), longOps, fc.nat(), (max, list, at) => {
        const map = new BoundedMap<number, number>(max);
        const set = new BoundedSet<number>(max);
        const cut = at % list.length;
        list.forEach(({ del, key }, i) => {
          if (i === cut) {
            map.clear();
            set.clear();
          }
          if (del) {
            map.delete(key);
            set.delete(key);
          } else {
            map.set(key, i);
            set.add(key);
          }
        });
        const held = model(max, list.slice(cut));
        expect([...map.keys()]).toEqual(held);
        expect([...set]).toEqual(held);
      }),
      { numRuns: 100 },
    );
  });

  it('forget the oldest of many keys, one per new key, past the point where the order is trimmed', () => {
    const map = new BoundedMap<string, number>(100);
    for (let i = 0; i < 5000; i++) map.set(`k${i}`, i);
    expect(map.size).toBe(100);
    expect([...map.keys()]).toEqual(Array.from({ length: 100 }, (_, i) => `k${4900 + i}`));
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

describe('WeightedMap', () => {
  /** The model: entries oldest first; a set forgets the key, refuses an entry over maxEntry, then forgets the oldest until both bounds hold. */
  function weightedModel(maxEntries: number, maxWeight: number, maxEntry: number, list: ReadonlyArray<{ del: boolean; key: number; weight: number }>) {
    let held: { key: number; weight: number; i: number }[] = [];
    list.forEach(({ del, key, weight }, i) => {
      held = held.filter((e) => e.key !== key);
      if (del || weight > maxEntry) return;
      const total = () => held.reduce((n, e) => n + e.weight, 0);
      while (held.length > 0 && (held.length >= maxEntries || total() + weight > maxWeight)) held.shift();
      held.push({ key, weight, i });
    });
    return held;
  }

  it('holds what the model holds: at most maxEntries, at most maxWeight in all, oldest forgotten first; too heavy an entry is not kept', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 40 }),
        fc.nat(),
        fc.array(fc.record({ del: fc.boolean(), key: fc.integer({ min: 0, max: 12 }), weight: fc.integer({ min: 0, max: 25 }) }), { maxLength: 300 }),
        (maxEntries, maxWeight, entryAt, list) => {
          const maxEntry = entryAt % (maxWeight + 1);
          const map = new WeightedMap<number, number>(maxEntries, maxWeight, maxEntry);
          list.forEach(({ del, key, weight }, i) => {
            if (del) map.delete(key);
            else expect(map.set(key, i, weight)).toBe(weight <= maxEntry);
            expect(map.size).toBeLessThanOrEqual(maxEntries);
            expect(map.weight).toBeLessThanOrEqual(maxWeight);
          });
          const held = weightedModel(maxEntries, maxWeight, maxEntry, list);
          expect([...map.keys()]).toEqual(held.map((e) => e.key));
          expect(map.weight).toBe(held.reduce((n, e) => n + e.weight, 0));
          for (const e of held) expect(map.get(e.key)).toBe(e.i);
          map.clear();
          expect([map.size, map.weight, [...map.keys()]]).toEqual([0, 0, []]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('any value is a key, undefined included: the bounds hold and the oldest goes first', () => {
    const map = new WeightedMap<unknown, number>(1, 10);
    map.set(undefined, 1, 1);
    map.set({ a: 1 }, 2, 1);
    expect(map.size).toBe(1);
    expect(map.has(undefined)).toBe(false);
    map.set(undefined, 3, 10);
    expect([map.size, map.weight, map.get(undefined)]).toEqual([1, 10, 3]);
    const bounded = new BoundedMap<unknown, number>(1).set(undefined, 1).set(Number.NaN, 2);
    expect([...bounded.keys()]).toEqual([Number.NaN]);
    const set = new BoundedSet<unknown>(1).add(undefined).add(null);
    expect([...set]).toEqual([null]);
  });

  it('refuses bounds and weights that are not non-negative integers (a caller bug: TypeError)', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new WeightedMap(bad, 10)).toThrow(TypeError);
      expect(() => new WeightedMap(10, bad)).toThrow(TypeError);
    }
    expect(() => new WeightedMap(10, 10, 11)).toThrow(TypeError);
    expect(() => new WeightedMap(10, 10, -1)).toThrow(TypeError);
    const map = new WeightedMap<string, string>(2, 10);
    for (const bad of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => map.set('a', 'x', bad)).toThrow(TypeError);
    expect(map.size).toBe(0);
  });
});
