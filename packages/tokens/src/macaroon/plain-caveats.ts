import { DeniedError, MalformedInputError, SCOPE_LIMITS } from '@agent-id/core';
import type { FirstPartyCheck } from '../first-party.js';

/*
 * Conventional first-party caveats a holder appends with the macaroon library's own
 * `addFirstPartyCaveat`, to narrow its token without a delegation:
 *
 * - `time < 2026-12-31T00:00:00Z` — the common expiry caveat of macaroon libraries
 *   (libmacaroons' `time < …`), with an RFC 3339 date-time: `Z` or a numeric offset,
 *   optional fraction of a second (the limit is rounded down to the whole second, never
 *   up; a leap second `:60` is refused);
 * - `expires_at = N` — the equality form this package's caveat language already has (in
 *   discharges), N whole seconds since the epoch in canonical JSON: the same limit.
 *
 * Both hold while the request's time (whole seconds) is before the limit; past it they
 * refuse with `denied`, check `first_party_check`, naming the caveat. They only refuse:
 * neither names a hop or a holder, so the token's holder stays the delegate of its last
 * signed `delegation` caveat, and a hop after them signs over them (its `parent`). Every
 * other caveat outside the language is refused as before (fail closed).
 */

const TIME_BEFORE = 'time < ';
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function bad(what: string): MalformedInputError {
  return new MalformedInputError(`caveat: ${what}`, { check: 'caveat' });
}

/** An RFC 3339 date-time as whole seconds since the epoch (a fraction dropped); `malformed_input` otherwise. */
export function parseRfc3339(text: string): number {
  const m = RFC3339.exec(text);
  if (!m) throw bad(`"${text.slice(0, 60)}" is not an RFC 3339 date-time (e.g. 2026-12-31T00:00:00Z)`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const offset = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59 || Number(m[10] ?? 0) > 23 || Number(m[11] ?? 0) > 59) {
    throw bad(`"${text.slice(0, 60)}" is not a valid date-time`);
  }
  const seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset * 60;
  if (seconds < 0 || seconds > SCOPE_LIMITS.maxExpiresAt) throw bad(`"${text.slice(0, 60)}" is outside 1970 to 9999`);
  return seconds;
}

/** A `time < …` caveat's limit, or undefined when the caveat is not one. */
export function timeBefore(caveat: string): number | undefined {
  return caveat.startsWith(TIME_BEFORE) ? parseRfc3339(caveat.slice(TIME_BEFORE.length)) : undefined;
}

/** A first-party check holding while the request's time is before `limit` (seconds). */
export function timeCheck(limit: number, where: string, source: string): FirstPartyCheck {
  return {
    where,
    source,
    decide: (facts) => {
      if (!(facts.time < limit)) throw new DeniedError(`${where} (${source}) does not hold: the request is at ${new Date(facts.time * 1000).toISOString()}`, { check: 'first_party_check' });
    },
  };
}
