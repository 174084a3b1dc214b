import { BadClockError } from './errors.js';

/**
 * A clock returns the current time in milliseconds since the Unix epoch. Every
 * time-dependent check takes one, so expiry is testable without sleeping.
 *
 * @example
 * ```ts
 * const clock: Clock = () => Date.parse('2030-01-01T00:00:00Z');
 * ```
 */
export type Clock = () => number;

/**
 * The system clock.
 * @example
 * ```ts
 * systemClock(); // Date.now()
 * ```
 */
export const systemClock: Clock = () => Date.now();

/**
 * A clock stopped at one instant (a `Date`, ISO string or epoch milliseconds).
 * @example
 * ```ts
 * const clock = fixedClock('2030-01-01T00:00:00Z');
 * ```
 */
export function fixedClock(at: Date | string | number): Clock {
  const ms = toEpochMillis(at);
  return () => ms;
}

/** A clock tests can move. */
export interface ManualClock extends Clock {
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void;
  /** Sets the clock to an instant. */
  set(at: Date | string | number): void;
}

/**
 * A clock moved by hand.
 * @example
 * ```ts
 * const clock = manualClock('2030-01-01T00:00:00Z');
 * clock.advance(60_000);
 * ```
 */
export function manualClock(start: Date | string | number = Date.now()): ManualClock {
  let now = toEpochMillis(start);
  const clock = (() => now) as ManualClock;
  clock.advance = (ms) => {
    if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new TypeError(`advance needs a finite number of ms, got ${String(ms)}`);
    now += ms;
  };
  clock.set = (at) => {
    now = toEpochMillis(at);
  };
  return clock;
}

/**
 * Converts a `Date`, ISO 8601 string or epoch milliseconds to epoch milliseconds.
 * An unparseable value is a caller bug (`TypeError`).
 * @example
 * ```ts
 * toEpochMillis('2030-01-01T00:00:00Z'); // 1893456000000
 * ```
 */
export function toEpochMillis(at: Date | string | number): number {
  const ms = at instanceof Date ? at.getTime() : typeof at === 'string' ? Date.parse(at) : at;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new TypeError(`invalid time: ${String(at)}`);
  return ms;
}

/**
 * Parses a duration such as `90s`, `15m`, `2h`, `7d` (or a number of milliseconds).
 * @example
 * ```ts
 * parseDuration('15m'); // 900000
 * ```
 */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number' && Number.isFinite(text) && text >= 0) return text;
  const m = typeof text === 'string' ? /^(\d+)(ms|s|m|h|d)$/.exec(text.trim()) : null;
  if (!m) throw new TypeError(`invalid duration "${String(text)}": use e.g. 30s, 15m, 2h, 7d`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/**
 * The instants a clock may report, in epoch milliseconds: from the Unix epoch to the end
 * of year 9999 (the last instant an ISO 8601 date can name, and the latest expiry a scope
 * may carry).
 */
export const CLOCK_RANGE_MS: Readonly<{ min: number; max: number }> = Object.freeze({ min: 0, max: 253_402_300_799_999 });

/** The largest clock tolerance (skew) a verifier may allow, in seconds: one day. */
export const MAX_CLOCK_TOLERANCE_SEC = 86_400;

function shown(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'number') return String(value);
  return value === null ? 'null' : typeof value;
}

/**
 * Reads the time from an injected clock, the one way every package reads one: the value
 * must be a finite number of milliseconds within {@link CLOCK_RANGE_MS}. Anything else — a
 * clock that is not a function, that throws, or returns `NaN`, `±Infinity`, a string,
 * `undefined`, a negative time or one past year 9999 — is `bad_clock` (check `clock`),
 * before any decision is made with it: compared with `NaN`, every expiry reads as "not
 * yet", so a verifier using it would accept tokens that expired years ago.
 *
 * @example
 * ```ts
 * const nowMs = readClock(options.clock);   // systemClock when undefined
 * ```
 */
export function readClock(clock: Clock | undefined = systemClock): number {
  if (typeof clock !== 'function') throw new BadClockError(`the clock is not a function (got ${shown(clock)})`);
  let ms: unknown;
  try {
    ms = clock();
  } catch (cause) {
    throw new BadClockError(`the clock threw: ${cause instanceof Error ? cause.message.slice(0, 200) : String(cause).slice(0, 200)}`, { cause });
  }
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new BadClockError(`the clock returned ${shown(ms)}, not a finite number of milliseconds`);
  if (ms < CLOCK_RANGE_MS.min || ms > CLOCK_RANGE_MS.max) throw new BadClockError(`the clock returned ${ms} ms, outside 1970 to the end of year 9999`);
  return ms;
}

/**
 * {@link readClock} in whole seconds since the epoch (rounded down), the unit of token
 * and credential times.
 *
 * @example
 * ```ts
 * const nowSeconds = readClockSeconds(options.clock);
 * ```
 */
export function readClockSeconds(clock?: Clock): number {
  return Math.floor(readClock(clock) / 1000);
}

/**
 * A verifier's clock tolerance (allowed skew) in seconds: `defaultSeconds` when
 * undefined, else a finite number from 0 to {@link MAX_CLOCK_TOLERANCE_SEC}. Anything else
 * is `bad_clock` (check `clock_tolerance`): `now - NaN >= exp` is false, so a `NaN`
 * tolerance would switch expiry off as surely as a `NaN` clock.
 *
 * @example
 * ```ts
 * const skew = readClockTolerance(options.clockToleranceSec, 60);
 * ```
 */
export function readClockTolerance(value: unknown, defaultSeconds: number): number {
  const tolerance = value === undefined ? defaultSeconds : value;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0 || tolerance > MAX_CLOCK_TOLERANCE_SEC) {
    throw new BadClockError(`the clock tolerance must be a number of seconds from 0 to ${MAX_CLOCK_TOLERANCE_SEC} (got ${shown(tolerance)})`, { check: 'clock_tolerance' });
  }
  return tolerance;
}

/**
 * Whether a value is a usable instant in epoch milliseconds (a finite number within
 * {@link CLOCK_RANGE_MS}), for times given directly rather than by a clock.
 *
 * @example
 * ```ts
 * if (!isEpochMillis(options.at)) throw new TypeError('at must be epoch milliseconds');
 * ```
 */
export function isEpochMillis(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= CLOCK_RANGE_MS.min && value <= CLOCK_RANGE_MS.max;
}
