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
  try {
    return serialize(value, 0, '', maxDepth, []);
  } catch (error) {
    // A caller-raised maxDepth can exhaust the stack; an enormous value can exceed the
    // engine's string length. Both are input the scheme cannot process.
    if (error instanceof RangeError) throw new MalformedInputError(`JCS: value cannot be canonicalized (${error.message})`, { check: 'canonicalize', cause: error });
    throw error;
  }
}

function jsonString(v: string): string {
  if (!isWellFormed(v)) throw new MalformedInputError('JCS: string has a lone surrogate', { check: 'canonicalize' });
  return JSON.stringify(v);
}

// Cycles are looked for only every CYCLE_CHECK levels (and at the depth limit), among the
// objects on the path: a cyclic value descends forever, so it is caught there, while every
// acyclic value (nearly always a few levels deep) costs no bookkeeping per object.
const CYCLE_CHECK = 32;

// One string built by concatenation (the engine joins it once), keys sorted in place: this
// runs over every card and audit record verified.
function serialize(input: unknown, depth: number, key: string | number, maxDepth: number, path: object[]): string {
  // As JSON.stringify (and RFC 8785 appendix A) does: an object's toJSON() stands for it.
  const v =
    typeof input === 'object' && input !== null && typeof (input as { toJSON?: unknown }).toJSON === 'function'
      ? (input as { toJSON(key: string): unknown }).toJSON(String(key))
      : input;
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(v)) throw new MalformedInputError('JCS: number is not finite', { check: 'canonicalize' });
      return JSON.stringify(v);
    case 'string':
      return jsonString(v);
    case 'object':
      break;
    default:
      throw new TypeError(`JCS: ${typeof v} is not a JSON value`);
  }
  const obj = v as object;
  if (depth >= maxDepth) {
    // Cyclic when an object on the path repeats (then its last one, the parent, does).
    const parent = path[path.length - 1];
    if (parent !== undefined && path.indexOf(parent) < path.length - 1) throw new TypeError('JCS: cyclic structure');
    throw new MalformedInputError(`JCS: nesting deeper than ${maxDepth}`, { check: 'canonicalize' });
  }
  if (depth % CYCLE_CHECK === CYCLE_CHECK - 1 && path.includes(obj)) throw new TypeError('JCS: cyclic structure');
  path.push(obj);
  let out: string;
  if (Array.isArray(obj)) {
    out = '[';
    for (let i = 0; i < obj.length; i++) {
      const item: unknown = obj[i];
      if (i > 0) out += ',';
      out += serialize(item === undefined ? null : item, depth + 1, i, maxDepth, path);
    }
    out += ']';
  } else {
    const record = obj as Record<string, unknown>;
    // Default sort order is by UTF-16 code units, as RFC 8785 §3.2.3 requires.
    const keys = Object.keys(record).sort();
    out = '{';
    let first = true;
    for (const k of keys) {
      const member = record[k];
      if (member === undefined) continue;
      if (!first) out += ',';
      first = false;
      out += `${jsonString(k)}:${serialize(member, depth + 1, k, maxDepth, path)}`;
    }
    out += '}';
  }
  path.pop();
  return out;
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
