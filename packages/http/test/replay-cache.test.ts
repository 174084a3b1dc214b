import { expectCode } from '@agent-id/test-support';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplayCache } from '../src/index.js';

const T0 = Date.UTC(2026, 11, 1);

function clocked(options: { maxEntries?: number; bucketMs?: number } = {}) {
  let now = T0;
  const store = new ReplayCache({ ...options, clock: () => now });
  return { store, advance: (ms: number) => (now += ms), now: () => now };
}

describe('ReplayCache: digests in time buckets, bounded', () => {
  it('an id is accepted once until it expires, and again after its bucket is dropped', () => {
    const { store, advance } = clocked({ bucketMs: 1000 });
    expect(store.claim('did:key:z6Mk#z6Mk\njti-0000001', T0 + 5_000)).toBe(true);
    expect(store.claim('did:key:z6Mk#z6Mk\njti-0000001', T0 + 5_000)).toBe(false);
    // The same id with another expiry is still the same id.
    expect(store.claim('did:key:z6Mk#z6Mk\njti-0000001', T0 + 50_000)).toBe(false);
    expect(store.claim('did:key:z6Mk#z6Mk\njti-0000002', T0 + 5_000)).toBe(true);
    expect(store.size).toBe(2);
    advance(4_999);
    expect(store.claim('did:key:z6Mk#z6Mk\njti-0000001', T0 + 9_000)).toBe(false);
    advance(1_001);
    // Its bucket ([5 s, 6 s)) ended: both ids are gone at once.
    expect(store.claim('did:key:z6Mk#z6Mk\njti-0000001', T0 + 12_000)).toBe(true);
    expect(store.size).toBe(1);
  });

  it('an id that expired already is not held (nothing to protect: its proof is too old)', () => {
    const { store } = clocked();
    expect(store.claim('old', T0 - 1)).toBe(true);
    expect(store.size).toBe(0);
  });

  it('full of unexpired ids it refuses new ones with resource_limit (never forgets one), still refuses replays, and takes ids again once some expire', () => {
    const { store, advance } = clocked({ maxEntries: 3, bucketMs: 1000 });
    for (const id of ['a', 'b', 'c']) expect(store.claim(id, T0 + 2_000)).toBe(true);
    expectCode(() => store.claim('d', T0 + 2_000), 'resource_limit', 'replay_store');
    expectCode(() => store.claim('e', T0 + 60_000), 'resource_limit', 'replay_store');
    expect(store.claim('a', T0 + 2_000)).toBe(false);
    expect(store.size).toBe(3);
    advance(3_000);
    expect(store.claim('d', T0 + 5_000)).toBe(true);
    expect(store.claim('a', T0 + 5_000)).toBe(true);
    expect(store.size).toBe(2);
  });

  it('ids of any length take one fixed-size digest each, and distinct ids never collide', () => {
    const { store } = clocked();
    const long = 'x'.repeat(10_000);
    for (let i = 0; i < 20_000; i++) expect(store.claim(`${long}${i}`, T0 + 60_000)).toBe(true);
    for (let i = 0; i < 20_000; i += 997) expect(store.claim(`${long}${i}`, T0 + 60_000)).toBe(false);
    expect(store.size).toBe(20_000);
  });

  it('junk options and arguments are TypeErrors', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, '10']) {
      expect(() => new ReplayCache({ maxEntries: bad as number })).toThrow(TypeError);
      expect(() => new ReplayCache({ bucketMs: bad as number })).toThrow(TypeError);
    }
    const store = new ReplayCache();
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, '1', undefined]) expect(() => store.claim('id', bad as number)).toThrow(TypeError);
    expect(() => store.claim(42 as unknown as string, Date.now() + 1000)).toThrow(TypeError);
  });

  it('against a model with exact expiries: it never accepts an id the model holds, and refuses a fresh one only when full or within a bucket of its expiry', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('claim' as const), id: fc.integer({ min: 0, max: 12 }), ttl: fc.integer({ min: -500, max: 8_000 }) }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 4_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), fc.integer({ min: 1, max: 3_000 }), fc.integer({ min: 1, max: 10 }), (steps, bucketMs, maxEntries) => {
        const { store, advance, now } = clocked({ bucketMs, maxEntries });
        const model = new Map<number, number>();
        for (const s of steps) {
          if (s.kind === 'wait') {
            advance(s.ms);
            continue;
          }
          const held = model.get(s.id);
          const heldNow = held !== undefined && held > now();
          let fresh: boolean | 'full';
          try {
            fresh = store.claim(`id-${s.id}`, now() + s.ttl);
          } catch (error) {
            expect(error).toMatchObject({ code: 'resource_limit', check: 'replay_store' });
            fresh = 'full';
          }
          if (heldNow) expect(fresh).toBe(false);
          if (fresh === true && s.ttl > 0) model.set(s.id, now() + s.ttl);
          // A refusal of an id the model does not hold: only for an id expired less than a bucket ago.
          if (fresh === false && !heldNow) expect(held !== undefined && held + bucketMs > now()).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
