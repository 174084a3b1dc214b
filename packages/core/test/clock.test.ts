import { describe, expect, it } from 'vitest';
import { fixedClock, manualClock, parseDuration, systemClock, toEpochMillis } from '../src/index.js';

describe('clocks', () => {
  it('fixedClock stops at one instant, from Date, ISO string or ms', () => {
    const at = Date.parse('2030-01-01T00:00:00Z');
    expect(fixedClock('2030-01-01T00:00:00Z')()).toBe(at);
    expect(fixedClock(new Date(at))()).toBe(at);
    expect(fixedClock(at)()).toBe(at);
    expect(toEpochMillis('2030-01-01T00:00:00Z')).toBe(1893456000000);
  });

  it('manualClock advances and can be set', () => {
    const clock = manualClock('2030-01-01T00:00:00Z');
    const start = clock();
    clock.advance(60_000);
    expect(clock()).toBe(start + 60_000);
    clock.advance(parseDuration('15m'));
    expect(clock()).toBe(start + 60_000 + 900_000);
    clock.set(0);
    expect(clock()).toBe(0);
    expect(() => clock.advance(Number.NaN)).toThrow(TypeError);
    expect(() => clock.advance('5' as unknown as number)).toThrow(TypeError);
    expect(clock()).toBe(0);
  });

  it('systemClock follows Date.now', () => {
    const before = Date.now();
    const now = systemClock();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('invalid instants are caller bugs', () => {
    for (const bad of ['not a date', Number.NaN, Number.POSITIVE_INFINITY, new Date('x')]) {
      expect(() => fixedClock(bad)).toThrow(TypeError);
      expect(() => manualClock(bad)).toThrow(TypeError);
    }
  });
});

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['90s', 90_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    [' 15m ', 900_000],
    ['0s', 0],
    [1500, 1500],
    [0, 0],
  ] as const)('%j → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '15', 'm', '15 m', '1.5h', '-5m', '5w', '15M', 'PT15M', '5mm', -1, Number.NaN, Number.POSITIVE_INFINITY, null, undefined, {}])(
    '%j is a TypeError',
    (bad) => {
      expect(() => parseDuration(bad as unknown as string)).toThrow(TypeError);
    },
  );
});
