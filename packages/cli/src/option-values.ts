/**
 * Option values parsed as the command line is read. A value that does not parse is
 * `invalid_option` (exit 2) naming the option, before any package judges anything.
 * DIDs are parsed in `did-values.ts`, which loads @agent-id/did.
 *
 * @module option-values
 */
import { parseDuration } from '@agent-id/core';
import { Option } from 'commander';
import { UsageError } from './exit.js';

/** Parses one value of `option`. */
export type ParseValue<T> = (text: string, option: string) => T;

/** The usage error for a value of `option` that does not parse. */
export function invalidOption(option: string, message: string, cause?: unknown): UsageError {
  return new UsageError(message, { code: 'invalid_option', check: option, cause });
}

/** A typed value as messages quote it (cut short). */
export const quoted = (text: string): string => `"${text.slice(0, 80)}"`;

/** Any text, as given. */
export const asGiven: ParseValue<string> = (value) => value;

/** A positive duration (`90s`, `15m`, `2h`, `7d`), in milliseconds. */
export const duration: ParseValue<number> = (value, option) => {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (e) {
    throw invalidOption(option, `${option} must be a duration such as 30s, 15m, 2h or 7d, got ${quoted(value)}`, e);
  }
  if (ms <= 0) throw invalidOption(option, `${option} must be a positive duration, got ${quoted(value)}`);
  return ms;
};

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** An ISO 8601 time, in epoch milliseconds. */
export const time: ParseValue<number> = (value, option) => {
  const ms = ISO_8601.test(value.trim()) ? Date.parse(value.trim()) : Number.NaN;
  if (!Number.isFinite(ms)) throw invalidOption(option, `${option} must be an ISO 8601 time such as 2030-01-01T00:00:00Z, got ${quoted(value)}`);
  return ms;
};

/** An absolute http(s) URL, as given. */
export const httpUrl: ParseValue<string> = (value, option) => {
  const ok = URL.canParse(value) && ['https:', 'http:'].includes(new URL(value).protocol);
  if (!ok) throw invalidOption(option, `${option} must be an https:// URL, got ${quoted(value)}`);
  return value;
};

/** A non-negative integer. */
export const count: ParseValue<number> = (value, option) => {
  if (!/^\d{1,6}$/.test(value)) throw invalidOption(option, `${option} must be a non-negative integer, got ${quoted(value)}`);
  return Number(value);
};

/** An option whose value is parsed by `parse` when the command line is read. */
export function parsedOption<T>(flags: string, description: string, parse: ParseValue<T>): Option {
  const option = new Option(flags, description);
  const name = option.long ?? flags;
  return option.argParser((value: string) => parse(value, name));
}

/** A repeatable option (`--trust A --trust B`, or `--trust A B` when variadic), each value parsed. */
export function listOption<T>(flags: string, description: string, parse: ParseValue<T>): Option {
  const option = new Option(flags, description);
  const name = option.long ?? flags;
  return option.argParser((value: string, previous: T[] | undefined) => [...(previous ?? []), parse(value, name)]);
}

/** An option taking one of `choices` (listed in `--help`). */
export function choiceOption(flags: string, description: string, choices: readonly string[]): Option {
  const option = new Option(flags, description).choices(choices);
  const name = option.long ?? flags;
  return option.argParser((value: string) => {
    if (!choices.includes(value)) throw invalidOption(name, `${name} must be one of ${choices.join(', ')}, got ${quoted(value)}`);
    return value;
  });
}
