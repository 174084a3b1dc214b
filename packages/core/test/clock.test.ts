import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadClockError, CLOCK_RANGE_MS, type Clock, KeyPair, MAX_CLOCK_TOLERANCE_SEC, auditRecord, fixedClock, isEpochMillis, manualClock, parseDuration, readClock, readClockSeconds, readClockTolerance, systemClock, toEpochMillis, verifyAuditLinesReport } from '../src/index.js';
import { AuditLog } from '../src/node.js';
import { expectCode } from '@agent-id/test-support';

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

/** Clocks that give no usable time: each must be refused, never used in a comparison. */
const BAD_CLOCKS: ReadonlyArray<readonly [string, unknown]> = [
  ['NaN', () => Number.NaN],
  ['undefined', () => undefined],
  ['null', () => null],
  ['-Infinity', () => Number.NEGATIVE_INFINITY],
  ['+Infinity', () => Number.POSITIVE_INFINITY],
  ['a string', () => '1900000000000'],
  ['a Date', () => new Date(1_900_000_000_000)],
  ['a bigint', () => 1_900_000_000_000n],
  ['a negative time', () => -1],
  ['a time past year 9999', () => 253_402_300_800_000],
  ['a clock that throws', () => {
    throw new Error('no time source');
  }],
  ['not a function', 1_900_000_000_000],
  ['null clock', null],
];

describe('readClock: every time read from an injected clock is checked', () => {
  it('returns the time of a usable clock, in ms and whole seconds', () => {
    expect(readClock(fixedClock(1_900_000_000_123))).toBe(1_900_000_000_123);
    expect(readClockSeconds(fixedClock(1_900_000_000_999))).toBe(1_900_000_000);
    expect(readClock(() => 0)).toBe(0);
    expect(readClock(() => CLOCK_RANGE_MS.max)).toBe(CLOCK_RANGE_MS.max);
    expect(readClock(() => 1.5)).toBe(1.5);
    const before = Date.now();
    expect(readClock()).toBeGreaterThanOrEqual(before);
    expect(readClock(undefined)).toBeLessThanOrEqual(Date.now());
  });

  it.each(BAD_CLOCKS)('a clock returning %s is bad_clock (check clock)', (_what, clock) => {
    const e = expectCode(() => readClock(clock as Clock), 'bad_clock', 'clock');
    expect(e).toBeInstanceOf(BadClockError);
    expectCode(() => readClockSeconds(clock as Clock), 'bad_clock', 'clock');
  });

  it('property: any number outside the range, or not finite, is refused; any inside is returned', () => {
    fc.assert(
      fc.property(fc.double(), (ms) => {
        const usable = Number.isFinite(ms) && ms >= 0 && ms <= CLOCK_RANGE_MS.max;
        if (usable) expect(readClock(() => ms)).toBe(ms);
        else expectCode(() => readClock(() => ms), 'bad_clock', 'clock');
        expect(isEpochMillis(ms)).toBe(usable);
      }),
      { numRuns: 500 },
    );
  });

  it('readClockTolerance: the default when undefined, else 0 … one day in seconds; anything else bad_clock (check clock_tolerance)', () => {
    expect(readClockTolerance(undefined, 60)).toBe(60);
    expect(readClockTolerance(0, 60)).toBe(0);
    expect(readClockTolerance(2.5, 60)).toBe(2.5);
    expect(readClockTolerance(MAX_CLOCK_TOLERANCE_SEC, 60)).toBe(MAX_CLOCK_TOLERANCE_SEC);
    for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY, MAX_CLOCK_TOLERANCE_SEC + 1, '60', null, {}]) {
      expectCode(() => readClockTolerance(bad, 60), 'bad_clock', 'clock_tolerance');
    }
  });
});

describe('every reader of a clock in core refuses a bad one', () => {
  const fields = { agent: 'did:key:z6MkA', onBehalfOf: 'alice', task: null, action: 'read', resource: 'db:x', decision: 'allow' as const, reason: 'ok', chain: [] };

  it.each(BAD_CLOCKS)('auditRecord with a clock returning %s', (_what, clock) => {
    expectCode(() => auditRecord(fields, clock as Clock), 'bad_clock', 'clock');
  });

  it.each(BAD_CLOCKS)('AuditLog.open and verifyAuditLinesReport (maxCheckpointAge) with a clock returning %s', async (_what, clock) => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-id-clock-'));
    try {
      const key = KeyPair.generate();
      await expectCode(AuditLog.open(join(dir, 'a.jsonl'), { clock: clock as Clock }), 'bad_clock', 'clock');
      const log = await AuditLog.open(join(dir, 'b.jsonl'), { checkpointKey: key, checkpointInterval: 0, clock: fixedClock(1_900_000_000_000) });
      await log.append(auditRecord(fields, fixedClock(1_900_000_000_000)));
      await log.close();
      const [text, checkpoints] = await Promise.all([readFile(join(dir, 'b.jsonl'), 'utf8'), readFile(join(dir, 'b.jsonl.checkpoints'), 'utf8')]);
      // A stale checkpoint is not waved through by a clock that compares as nothing.
      expectCode(() => verifyAuditLinesReport(text, { checkpointKey: key.publicKey, checkpoints, maxCheckpointAge: 1000, clock: clock as Clock }), 'bad_clock', 'clock');
      expect(verifyAuditLinesReport(text, { checkpointKey: key.publicKey, checkpoints, maxCheckpointAge: 1000, clock: fixedClock(1_900_000_000_500) }).entries).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
