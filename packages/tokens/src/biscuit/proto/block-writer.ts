import { isWellFormed } from '@agent-id/core/internal';
import type { CheckView, FactView, OpView, TermValue } from './block.js';
import { DEFAULT_SYMBOLS, SYMBOL_OFFSET } from './block.js';
import { ProtoWriter } from './writer.js';

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

/** A term as message field `field`, its symbols interned as it is written (biscuit-auth's order: each term's before the next). */
function term(w: ProtoWriter, field: number, t: TermValue, symbols: Symbols, inSet = false): void {
  switch (t.kind) {
    case 'variable': {
      if (inSet) break;
      const index = symbols.intern(t.name);
      w.messageField(field, () => w.numberField(1, index));
      return;
    }
    case 'integer': {
      if (inSet) break;
      const value = uint(t.value, 'an integer term');
      w.messageField(field, () => w.numberField(2, value));
      return;
    }
    case 'string': {
      const index = symbols.intern(t.value);
      w.messageField(field, () => w.numberField(3, index));
      return;
    }
    case 'date': {
      if (inSet) break;
      const value = uint(t.value, 'a date term');
      w.messageField(field, () => w.numberField(4, value));
      return;
    }
    case 'bytes': {
      if (inSet || !(t.value instanceof Uint8Array)) break;
      const value = t.value;
      w.messageField(field, () => w.bytesField(5, value));
      return;
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
      const indexes = [...strings].sort(compareUtf8).map((s) => symbols.intern(s));
      indexes.sort((a, b) => a - b);
      w.messageField(field, () =>
        w.messageField(7, () => {
          for (const index of indexes) w.messageField(1, () => w.numberField(3, index));
        }),
      );
      return;
    }
  }
  throw new TypeError(`a ${t.kind} term${inSet ? ' inside a set' : ''} is not part of this package's templates`);
}

function predicate(w: ProtoWriter, field: number, p: FactView, symbols: Symbols): void {
  const name = symbols.intern(p.name);
  w.messageField(field, () => {
    w.numberField(1, name);
    for (const t of p.terms) term(w, 2, t, symbols);
  });
}

function op(w: ProtoWriter, field: number, o: OpView, symbols: Symbols): void {
  if (o.op === 'value') {
    w.messageField(field, () => term(w, 1, o.term, symbols));
    return;
  }
  if (o.op === 'binary' || o.op === 'unary') {
    if (o.ffi !== undefined) throw new TypeError('foreign operators are not part of this package\'s templates');
    const kind = uint(o.kind, 'an operator kind');
    w.messageField(field, () => w.messageField(o.op === 'unary' ? 2 : 3, () => w.numberField(1, kind)));
    return;
  }
  if (o.op === 'closure') {
    const params = o.params.map((p) => symbols.intern(p));
    const ops = o.ops;
    w.messageField(field, () =>
      w.messageField(4, () => {
        // Unpacked, as biscuit-auth's proto2 schema declares it.
        for (const p of params) w.numberField(1, p);
        for (const inner of ops) op(w, 2, inner, symbols);
      }),
    );
    return;
  }
  throw new TypeError('unknown expression operation');
}

function check(w: ProtoWriter, field: number, c: CheckView, symbols: Symbols): void {
  if (c.kind !== 0) throw new TypeError('only `check if` is part of this package\'s templates');
  for (const q of c.queries) if (q.scopes.length > 0) throw new TypeError('scopes are not part of this package\'s templates');
  // `check if` is the schema's default kind: biscuit-auth leaves the field out.
  w.messageField(field, () => {
    for (const q of c.queries) {
      w.messageField(1, () => {
        predicate(w, 1, q.head, symbols);
        for (const b of q.body) predicate(w, 2, b, symbols);
        for (const e of q.expressions) w.messageField(3, () => {
          for (const o of e) op(w, 1, o, symbols);
        });
      });
    }
  });
}

// Blocks are written synchronously, one at a time, and hold nothing secret: two buffers serve every block.
const body = new ProtoWriter(1024);
const head = new ProtoWriter(1024);

/**
 * One block's bytes (the `Block` message a signed block carries), from a fresh symbol
 * table. Facts and checks are written first, interning as they go, and the symbols they
 * added written before them.
 */
export function writeBlock(input: BlockInput): Uint8Array {
  const symbols = new Symbols();
  body.reset();
  head.reset();
  for (const f of input.facts) body.messageField(4, () => predicate(body, 1, f, symbols));
  for (const c of input.checks) check(body, 6, c, symbols);
  const version = uint(input.version, 'the Datalog version');
  for (const name of symbols.own) head.stringField(1, name);
  head.numberField(3, version);
  head.raw(body.view());
  return head.finish();
}
