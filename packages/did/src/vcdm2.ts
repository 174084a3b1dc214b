import { MalformedInputError } from '@agent-id/core';

/** The VC Data Model 2.0 base context; first in every 2.0 credential's `@context`. */
export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';

const DATE_TIME_STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Reads a VCDM 2.0 date (an XML Schema dateTimeStamp: time zone required) as epoch ms, or
 * throws `malformed_input` with `check`. Internal to this package.
 */
export function readDateTimeStamp(value: unknown, name: string, check: string): number {
  const ms = typeof value === 'string' && DATE_TIME_STAMP.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new MalformedInputError(`${name} is not a date-time with a time zone`, { check });
  return ms;
}

/** An ISO 8601 UTC date-time in whole seconds, as 2.0 credentials carry them. Internal. */
export function dateTimeStamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Throws `malformed_input` unless `@context` is a list starting with the 2.0 context. Internal. */
export function assertV2Context(value: unknown, what: string): void {
  if (!Array.isArray(value) || value[0] !== VC_V2_CONTEXT) {
    throw new MalformedInputError(`${what} @context must start with ${VC_V2_CONTEXT}`, { check: 'context' });
  }
}
