import { utf8ToBytes } from './bytes.js';
import { MalformedInputError } from './errors.js';
import { isWellFormed } from './unicode.js';

/** Options for {@link canonicalize}. */
export interface CanonicalizeOptions {
  /** Deepest nesting of arrays/objects accepted. Default 64. */
  maxDepth?: number;
}


/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): members sorted by UTF-16 code units,
 * numbers in ECMAScript shortest form, strings with JSON escaping, no whitespace.
 * Values JSON cannot carry (non-finite numbers, lone surrogates, excessive depth) are
 * `malformed_input`; `undefined` members are omitted and `toJSON()` is honoured (a
 * `Date` becomes its ISO string) as JSON.stringify does, so
 * `canonicalize(x) === canonicalize(JSON.parse(JSON.stringify(x)))`. Functions, symbols,
 * bigints and cycles are caller bugs (`TypeError`).
 *
 * @example
 * ```ts
 * canonicalize({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 * ```
 */
export function canonicalize(value: unknown, options: CanonicalizeOptions = {}): string {
  const maxDepth = options.maxDepth ?? 64;
  const seen = new Set<object>();
  const out: string[] = [];
  const write = (input: unknown, depth: number, key: string): void => {
    // As JSON.stringify (and RFC 8785 appendix A) does: an object's toJSON() stands for it.
    const v =
      typeof input === 'object' && input !== null && typeof (input as { toJSON?: unknown }).toJSON === 'function'
        ? (input as { toJSON(key: string): unknown }).toJSON(key)
        : input;
    if (v === null) return void out.push('null');
    switch (typeof v) {
      case 'boolean':
        return void out.push(v ? 'true' : 'false');
      case 'number':
        if (!Number.isFinite(v)) throw new MalformedInputError('JCS: number is not finite', { check: 'canonicalize' });
        return void out.push(JSON.stringify(v));
      case 'string':
        if (!isWellFormed(v)) throw new MalformedInputError('JCS: string has a lone surrogate', { check: 'canonicalize' });
        return void out.push(JSON.stringify(v));
      case 'object':
        break;
      default:
        throw new TypeError(`JCS: ${typeof v} is not a JSON value`);
    }
    const obj = v as object;
    if (depth >= maxDepth) throw new MalformedInputError(`JCS: nesting deeper than ${maxDepth}`, { check: 'canonicalize' });
    if (seen.has(obj)) throw new TypeError('JCS: cyclic structure');
    seen.add(obj);
    if (Array.isArray(obj)) {
      out.push('[');
      obj.forEach((item, i) => {
        if (i > 0) out.push(',');
        write(item === undefined ? null : item, depth + 1, String(i));
      });
      out.push(']');
    } else {
      const record = obj as Record<string, unknown>;
      const entries = Object.keys(record)
        .sort()
        .map((k): [string, unknown] => [k, record[k]])
        .filter(([, value]) => value !== undefined);
      out.push('{');
      entries.forEach(([k, value], i) => {
        if (i > 0) out.push(',');
        write(k, depth + 1, k);
        out.push(':');
        write(value, depth + 1, k);
      });
      out.push('}');
    }
    seen.delete(obj);
  };
  try {
    write(value, 0, '');
    return out.join('');
  } catch (error) {
    // A caller-raised maxDepth can exhaust the stack; an enormous value can exceed the
    // engine's string length. Both are input the scheme cannot process.
    if (error instanceof RangeError) throw new MalformedInputError(`JCS: value cannot be canonicalized (${error.message})`, { check: 'canonicalize', cause: error });
    throw error;
  }
}

/**
 * {@link canonicalize} as UTF-8 bytes, ready to hash or sign.
 * @example
 * ```ts
 * const bytes = canonicalizeToBytes({ a: 1 });
 * ```
 */
export function canonicalizeToBytes(value: unknown, options?: CanonicalizeOptions): Uint8Array {
  return utf8ToBytes(canonicalize(value, options));
}
