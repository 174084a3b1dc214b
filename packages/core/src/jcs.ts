import { utf8ToBytes } from './bytes.js';
import { MalformedInputError } from './errors.js';

/** Options for {@link canonicalize}. */
export interface CanonicalizeOptions {
  /** Deepest nesting of arrays/objects accepted. Default 64. */
  maxDepth?: number;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): members sorted by UTF-16 code units,
 * numbers in ECMAScript shortest form, strings with JSON escaping, no whitespace.
 * Values JSON cannot carry (non-finite numbers, lone surrogates, excessive depth) are
 * `malformed_input`; `undefined` members are omitted as JSON.stringify does.
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
  const write = (v: unknown, depth: number): void => {
    if (v === null) return void out.push('null');
    switch (typeof v) {
      case 'boolean':
        return void out.push(v ? 'true' : 'false');
      case 'number':
        if (!Number.isFinite(v)) throw new MalformedInputError('JCS: number is not finite', { check: 'canonicalize' });
        return void out.push(JSON.stringify(v));
      case 'string':
        if (LONE_SURROGATE.test(v)) throw new MalformedInputError('JCS: string has a lone surrogate', { check: 'canonicalize' });
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
        write(item === undefined ? null : item, depth + 1);
      });
      out.push(']');
    } else {
      const record = obj as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort();
      out.push('{');
      keys.forEach((k, i) => {
        if (i > 0) out.push(',');
        write(k, depth + 1);
        out.push(':');
        write(record[k], depth + 1);
      });
      out.push('}');
    }
    seen.delete(obj);
  };
  write(value, 0);
  return out.join('');
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
