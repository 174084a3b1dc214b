import { isWellFormed } from '@agent-id/core/internal';
import type { CheckView, FactView, OpView, TermValue } from './block.js';
import { DEFAULT_SYMBOLS, SYMBOL_OFFSET } from './block.js';
import { bytesField, message, numberField } from './writer.js';

/*
 * The block schema written (biscuit-auth schema.proto `Block`, `FactV2`, `CheckV2`,
 * `RuleV2`, `ExpressionV2`, `Op`, `TermV2`), byte for byte as biscuit-auth 6 writes what
 * this package's templates produce: symbols interned in the order biscuit-auth converts
 * its builder (each fact's name then its terms, then each check's head, body, expressions,
 * a closure's parameters before its operations), strings of a set interned in the
 * builder's (UTF-8 byte) order and written in symbol order, fields in schema order. A
 * block starts from the default symbol table: the authority, and every third-party block.
 *
 * Only the templates' shapes are written: facts, `check if` queries without scopes, and
 * terms that are strings, variables, non-negative integers, dates, bytes and sets of
 * strings. Anything else is a TypeError (a caller's bug), never bytes of another meaning.
 */

/** A block to write: the template's facts and checks, and the Datalog version it declares. */
export interface BlockInput {
  facts: readonly FactView[];
  checks: readonly CheckView[];
  version: number;
}

const utf8 = new TextEncoder();

/** Biscuit orders a builder's strings as Rust's `String` does: by UTF-8 bytes (code points), not UTF-16 units. */
function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** A repeated message field: one length-delimited value per item. */
function repeated(field: number, items: readonly Uint8Array[], out: number[]): void {
  for (const item of items) bytesField(field, item, out);
}

const DEFAULT_INDEX = new Map(DEFAULT_SYMBOLS.map((name, i) => [name, i]));

class Symbols {
  readonly own: string[] = [];
  readonly #index = new Map<string, number>();

  intern(name: string): number {
    if (typeof name !== 'string' || !isWellFormed(name)) throw new TypeError('a Biscuit symbol is a well-formed string');
    const builtIn = DEFAULT_INDEX.get(name);
    if (builtIn !== undefined) return builtIn;
    let index = this.#index.get(name);
    if (index === undefined) {
      index = SYMBOL_OFFSET + this.own.length;
      this.own.push(name);
      this.#index.set(name, index);
    }
    return index;
  }
}

function uint(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`${what} must be a non-negative safe integer`);
  return value;
}

/** A term, its symbols interned now (a message's bytes are fixed once written). */
function term(t: TermValue, symbols: Symbols, inSet = false): Uint8Array {
  switch (t.kind) {
    case 'variable': {
      if (inSet) break;
      const index = symbols.intern(t.name);
      return message((out) => numberField(1, index, out));
    }
    case 'integer': {
      if (inSet) break;
      const value = uint(t.value, 'an integer term');
      return message((out) => numberField(2, value, out));
    }
    case 'string': {
      const index = symbols.intern(t.value);
      return message((out) => numberField(3, index, out));
    }
    case 'date': {
      if (inSet) break;
      const value = uint(t.value, 'a date term');
      return message((out) => numberField(4, value, out));
    }
    case 'bytes': {
      if (inSet || !(t.value instanceof Uint8Array)) break;
      const value = t.value;
      return message((out) => bytesField(5, value, out));
    }
    case 'set': {
      if (inSet) break;
      const strings = new Set<string>();
      for (const item of t.value) {
        if (item.kind !== 'string') throw new TypeError('a template set holds strings only');
        strings.add(item.value);
      }
      // Interned in the builder's order (a BTreeSet of strings), written in the
      // converted set's order (a BTreeSet of symbol indexes).
      const indexes = [...strings].sort(compareUtf8).map((s) => ({ index: symbols.intern(s), s }));
      indexes.sort((a, b) => a.index - b.index);
      const items = indexes.map(({ s }) => term({ kind: 'string', value: s }, symbols, true));
      return message((out) => bytesField(7, message((set) => repeated(1, items, set)), out));
    }
  }
  throw new TypeError(`a ${t.kind} term${inSet ? ' inside a set' : ''} is not part of this package's templates`);
}

function predicate(p: FactView, symbols: Symbols): Uint8Array {
  const name = symbols.intern(p.name);
  const terms = p.terms.map((t) => term(t, symbols));
  return message((out) => {
    numberField(1, name, out);
    for (const t of terms) bytesField(2, t, out);
  });
}

function op(o: OpView, symbols: Symbols): Uint8Array {
  if (o.op === 'value') {
    const value = term(o.term, symbols);
    return message((out) => bytesField(1, value, out));
  }
  if (o.op === 'binary' || o.op === 'unary') {
    if (o.ffi !== undefined) throw new TypeError('foreign operators are not part of this package\'s templates');
    const kind = uint(o.kind, 'an operator kind');
    return message((out) => bytesField(o.op === 'unary' ? 2 : 3, message((k) => numberField(1, kind, k)), out));
  }
  if (o.op === 'closure') {
    const params = o.params.map((p) => symbols.intern(p));
    const ops = o.ops.map((inner) => op(inner, symbols));
    return message((out) =>
      bytesField(
        4,
        message((c) => {
          // Unpacked, as biscuit-auth's proto2 schema declares it.
          for (const p of params) numberField(1, p, c);
          for (const inner of ops) bytesField(2, inner, c);
        }),
        out,
      ),
    );
  }
  throw new TypeError('unknown expression operation');
}

function check(c: CheckView, symbols: Symbols): Uint8Array {
  if (c.kind !== 0) throw new TypeError('only `check if` is part of this package\'s templates');
  const queries = c.queries.map((q) => {
    if (q.scopes.length > 0) throw new TypeError('scopes are not part of this package\'s templates');
    const head = predicate(q.head, symbols);
    const body = q.body.map((p) => predicate(p, symbols));
    const expressions = q.expressions.map((e) => e.map((o) => op(o, symbols)));
    return message((out) => {
      bytesField(1, head, out);
      for (const b of body) bytesField(2, b, out);
      for (const e of expressions) bytesField(3, message((x) => repeated(1, e, x)), out);
    });
  });
  // `check if` is the schema's default kind: biscuit-auth leaves the field out.
  return message((out) => repeated(1, queries, out));
}

/** One block's bytes (the `Block` message a signed block carries), from a fresh symbol table. */
export function writeBlock(input: BlockInput): Uint8Array {
  const symbols = new Symbols();
  const facts = input.facts.map((f) => predicate(f, symbols));
  const checks = input.checks.map((c) => check(c, symbols));
  const version = uint(input.version, 'the Datalog version');
  return message((out) => {
    for (const name of symbols.own) bytesField(1, utf8.encode(name), out);
    numberField(3, version, out);
    for (const f of facts) bytesField(4, message((fact) => bytesField(1, f, fact)), out);
    for (const c of checks) bytesField(6, c, out);
  });
}
