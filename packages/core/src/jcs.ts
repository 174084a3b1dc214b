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

// The canonical text of a deeply frozen plain value, kept while the value lives: nothing in
// it can change (no accessor, no toJSON, every member frozen too), and a verified chain, kept
// frozen, is serialized into the audit record of every request it allows. `height` is its
// nesting, so a text is reused only where the value would not exceed the depth limit.
const frozenTexts = new WeakMap<object, { text: string; height: number }>();

// What the last serialize call learned of the value it serialized: its nesting, and whether
// its text depends only on frozen data (then a frozen parent's text may be kept).
let lastHeight = 0;
let lastFixed = true;

// One string built by concatenation (the engine joins it once), keys sorted in place: this
// runs over every card and audit record verified.
function serialize(input: unknown, depth: number, key: string | number, maxDepth: number, path: object[]): string {
  // As JSON.stringify (and RFC 8785 appendix A) does: an object's toJSON() stands for it.
  const hasToJson = typeof input === 'object' && input !== null && typeof (input as { toJSON?: unknown }).toJSON === 'function';
  const v = hasToJson ? (input as { toJSON(key: string): unknown }).toJSON(String(key)) : input;
  lastHeight = 0;
  lastFixed = !hasToJson;
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
  const frozen = !hasToJson && Object.isFrozen(obj);
  if (frozen) {
    const held = frozenTexts.get(obj);
    if (held !== undefined && depth + held.height <= maxDepth) {
      lastHeight = held.height;
      lastFixed = true;
      return held.text;
    }
  }
  if (depth >= maxDepth) {
    // Cyclic when an object on the path repeats (then its last one, the parent, does).
    const parent = path[path.length - 1];
    if (parent !== undefined && path.indexOf(parent) < path.length - 1) throw new TypeError('JCS: cyclic structure');
    throw new MalformedInputError(`JCS: nesting deeper than ${maxDepth}`, { check: 'canonicalize' });
  }
  if (depth % CYCLE_CHECK === CYCLE_CHECK - 1 && path.includes(obj)) throw new TypeError('JCS: cyclic structure');
  path.push(obj);
  let out: string;
  let height = 0;
  let fixed = frozen;
  if (Array.isArray(obj)) {
    out = '[';
    for (let i = 0; i < obj.length; i++) {
      const item: unknown = obj[i];
      if (i > 0) out += ',';
      out += serialize(item === undefined ? null : item, depth + 1, i, maxDepth, path);
      if (lastHeight > height) height = lastHeight;
      fixed &&= lastFixed;
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
      if (lastHeight > height) height = lastHeight;
      fixed &&= lastFixed;
    }
    out += '}';
  }
  path.pop();
  height += 1;
  fixed &&= isPlainData(obj);
  if (fixed) frozenTexts.set(obj, { text: out, height });
  lastHeight = height;
  lastFixed = fixed;
  return out;
}

// A plain object or array whose own members are all data properties: a frozen one reads the
// same every time.
function isPlainData(obj: object): boolean {
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null && proto !== Array.prototype) return false;
  const descriptors = Object.getOwnPropertyDescriptors(obj);
  for (const k in descriptors) if (descriptors[k]!.get !== undefined || descriptors[k]!.set !== undefined) return false;
  return true;
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
