import { assertSize } from './bytes.js';
import { MalformedInputError } from './errors.js';

/** Limits for {@link parseJson}. */
export interface ParseJsonOptions {
  /** Largest accepted input in bytes. Default 65,536. */
  maxBytes?: number;
  /** Deepest nesting accepted. Default 32. */
  maxDepth?: number;
  /** Name used in error messages. */
  what?: string;
}

/** True when `value` nests arrays/objects deeper than `limit` (iterative: no stack overflow). */
function deeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Parses untrusted JSON text: size-limited before parsing, depth-limited after, with
 * `input_too_large` / `malformed_input` errors instead of `SyntaxError`.
 *
 * @example
 * ```ts
 * const doc = parseJson(body, { maxBytes: 32_768, what: 'DID document' });
 * ```
 */
export function parseJson(text: string, options: ParseJsonOptions = {}): unknown {
  const what = options.what ?? 'JSON';
  if (typeof text !== 'string') throw new MalformedInputError(`${what} is not a string`);
  assertSize(text, options.maxBytes ?? 65_536, what);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new MalformedInputError(`${what} is not valid JSON`, { cause });
  }
  const maxDepth = options.maxDepth ?? 32;
  if (deeperThan(value, maxDepth)) {
    throw new MalformedInputError(`${what} nests deeper than ${maxDepth}`);
  }
  return value;
}

/**
 * True for a non-null, non-array object.
 * @example
 * ```ts
 * isRecord({}); // true
 * ```
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
