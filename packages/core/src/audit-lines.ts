/**
 * Reading the JSON Lines files of the audit log (the log and its checkpoint file) exactly:
 * strict UTF-8, every line terminated, every line the RFC 8785 form of its value.
 * Internal to the package.
 */
import { AuditChainBrokenError, MalformedInputError } from './errors.js';
import { canonicalize } from './jcs.js';
import { isRecord } from './json.js';

/** Lowercase hex SHA-256, as the log writes hashes. */
export const HASH_HEX = /^[0-9a-f]{64}$/;

// `ignoreBOM` keeps a leading U+FEFF in the text, so a BOM the writer never wrote is refused.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** An audit-chain error pointing at a 1-based line of the log. */
export function brokenAt(line: number, message: string, check: string): AuditChainBrokenError {
  const error = new AuditChainBrokenError(`line ${line}: ${message}`, { check });
  error.line = line;
  return error;
}

/** The lines of a JSON Lines file and whether its last line ends with a newline. */
export interface SplitLines {
  lines: string[];
  /** False when the text is not empty and does not end with `\n` (a torn or hand-edited end). */
  terminated: boolean;
}

/**
 * Splits text or bytes into lines. Bytes are decoded strictly, line by line, so invalid
 * UTF-8 is reported with its line (`onInvalid` builds the error).
 */
export function splitLines(input: string | Uint8Array, onInvalid: (line: number) => Error): SplitLines {
  if (typeof input === 'string') {
    const lines = input.split('\n');
    const terminated = lines.at(-1) === '';
    if (terminated) lines.pop();
    return { lines, terminated };
  }
  if (!(input instanceof Uint8Array)) throw new TypeError('audit log input must be a string or a Uint8Array');
  const lines: string[] = [];
  let start = 0;
  while (start < input.length) {
    const found = input.indexOf(0x0a, start);
    const end = found === -1 ? input.length : found;
    try {
      lines.push(decoder.decode(input.subarray(start, end)));
    } catch {
      throw onInvalid(lines.length + 1);
    }
    start = end + 1;
  }
  return { lines, terminated: input.length === 0 || input[input.length - 1] === 0x0a };
}

/** The first own member of `value` that is not in `allowed`, if any. */
export function extraMember(value: Record<string, unknown>, allowed: readonly string[]): string | undefined {
  return Object.keys(value).find((k) => !allowed.includes(k));
}

/**
 * Whether `raw` is exactly the RFC 8785 form of `parsed` (the value `JSON.parse(raw)`
 * gave). A duplicated member, whitespace, another member order or another escape all make
 * the text differ, even where `JSON.parse` hides it.
 */
export function isCanonicalLine(raw: string, parsed: unknown): boolean {
  try {
    return canonicalize(parsed) === raw;
  } catch (error) {
    if (error instanceof MalformedInputError || error instanceof TypeError) return false;
    throw error;
  }
}

/** `JSON.parse` that returns `undefined` for text that is not JSON. */
export function parseLine(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** A JSON object, parsed from a line, or undefined. */
export function parseObjectLine(raw: string): Record<string, unknown> | undefined {
  const parsed = parseLine(raw);
  return isRecord(parsed) ? parsed : undefined;
}

/** An ISO 8601 time string the writer produces (`Date#toISOString`). */
export function isIsoTime(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 64) return false;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && new Date(ms).toISOString() === value;
}

/** A log id: 1 to 128 characters of `A-Z a-z 0-9 . _ : -`. */
export const LOG_ID = /^[A-Za-z0-9._:-]{1,128}$/;
