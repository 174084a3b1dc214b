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
