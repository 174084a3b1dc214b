import { describe, expect, it } from 'vitest';
import { junk, junkValues } from '../src/index.js';

describe('junk', () => {
  it('holds every JavaScript type, labelled once each', () => {
    expect(new Set(junkValues.map((v) => typeof v))).toEqual(new Set(['undefined', 'object', 'boolean', 'number', 'bigint', 'string', 'symbol', 'function']));
    expect(new Set(junk.map(([label]) => label)).size).toBe(junk.length);
    expect(junkValues).toHaveLength(junk.length);
  });

  it('cannot be changed by a test', () => {
    expect(Object.isFrozen(junk) && Object.isFrozen(junkValues)).toBe(true);
  });
});
