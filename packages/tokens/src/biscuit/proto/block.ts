import { readPublicKey } from './envelope.js';
import { LEN, Reader, VARINT, bad, expectWire, once } from './reader.js';
import { BINARY_FFI, TRY_OR, UNARY_FFI } from './op-kinds.js';

/*
 * The block schema (biscuit-auth schema.proto `Block` and the Datalog messages inside
 * it): symbols, facts, rules, checks, scopes, public keys, resolved against the symbol
 * table, so the verifier can refuse any block that is not the template this package
 * writes.
 */

/** biscuit-auth's default symbol table: indexes 0 to 27, never repeated in a block. */
export const DEFAULT_SYMBOLS: readonly string[] = [
  'read', 'write', 'resource', 'operation', 'right', 'time', 'role', 'owner', 'tenant', 'namespace',
  'user', 'team', 'service', 'admin', 'email', 'group', 'member', 'ip_address', 'client', 'client_ip',
  'domain', 'path', 'version', 'cluster', 'node', 'hostname', 'nonce', 'query',
];
const DEFAULT_SYMBOL_SET: ReadonlySet<string> = new Set(DEFAULT_SYMBOLS);
/** The index of a block's first own symbol. */
export const SYMBOL_OFFSET = 1024;

/** A Datalog term as read: only the kinds the capability facts use are kept apart. */
export type TermValue =
  | { kind: 'string'; value: string }
  | { kind: 'integer'; value: number }
  | { kind: 'date'; value: number }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'set'; value: TermValue[] }
  | { kind: 'variable'; name: string }
  /** Read for first-party checks (`check if … == true`); never part of a template. */
  | { kind: 'bool'; value: boolean }
  /**
   * null, array or map (`datalog33`: which of the Datalog 3.3 terms it is), or an integer
   * outside 0..2^53-1: never part of a template.
   */
  | { kind: 'other'; datalog33?: 'null' | 'array' | 'map' };

export interface FactView {
  name: string;
  terms: TermValue[];
}

type Symbols = (index: number) => string;

/** Where a term is read: at the top of a predicate or expression, in a set, or in an array or map (its nesting, 1 and up). */
const TOP = 0;
const IN_SET = -1;
/** Arrays and maps nested deeper than this are refused (biscuit-wasm reads deeper ones; none is part of this profile). */
const MAX_NESTING = 8;

function readTerm(r: Reader, symbol: Symbols, where: number): TermValue {
  let term: TermValue | undefined;
  while (r.next()) {
    const { field, wire } = r;
    if (term !== undefined) bad('term has two values');
    if (field === 1) {
      expectWire(wire, VARINT);
      if (where !== TOP) bad('variable in a set, array or map');
      term = { kind: 'variable', name: symbol(r.varint()) };
    } else if (field === 2) {
      expectWire(wire, VARINT);
      // int64, two's complement: the capability facts and templates use small non-negative ones.
      const small = r.smallVarint64();
      if (small !== undefined) term = { kind: 'integer', value: small };
      else {
        const value = BigInt.asIntN(64, r.varint64());
        term = value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? { kind: 'integer', value: Number(value) } : { kind: 'other' };
      }
    } else if (field === 3) {
      expectWire(wire, VARINT);
      term = { kind: 'string', value: symbol(r.varint()) };
    } else if (field === 4) {
      expectWire(wire, VARINT);
      term = { kind: 'date', value: r.varint() };
    } else if (field === 5) {
      expectWire(wire, LEN);
      // A copy: the token's bytes may be a shared decode buffer, and a compiled check that keeps this literal is cached.
      term = { kind: 'bytes', value: Uint8Array.from(r.bytes()) };
    } else if (field === 7) {
      expectWire(wire, LEN);
      if (where === IN_SET) bad('nested set');
      const set = r.sub();
      const items: TermValue[] = [];
      while (set.next()) {
        const { field: kField, wire: kWire } = set;
        if (kField !== 1) bad('unknown set field');
        expectWire(kWire, LEN);
        const item = readTerm(set.sub(), symbol, IN_SET);
        // As biscuit-auth: a set's members are of one type (an integer past 2^53 is an integer).
        if (items.length > 0 && typeOf(item) !== typeOf(items[0]!)) bad('a set mixing kinds');
        items.push(item);
      }
      term = { kind: 'set', value: items };
    } else if (field === 6) {
      expectWire(wire, VARINT);
      // prost reads any non-zero varint as true.
      term = { kind: 'bool', value: r.varint64() !== 0n };
    } else if (field === 8 || field === 9 || field === 10) {
      // null, array, map: valid Datalog, never part of a capability fact, template or
      // supported check. Each is a message, read as strictly as the others: a block this
      // reader accepts must be one biscuit-wasm reads.
      expectWire(wire, LEN);
      if (where === IN_SET) bad('null, array or map in a set');
      const inner = r.sub();
      if (field === 8) {
        if (!inner.done()) bad('null term with content');
      } else {
        const nesting = where > 0 ? where + 1 : 1;
        if (nesting > MAX_NESTING) bad('arrays and maps nested too deeply');
        if (field === 9) readArray(inner, symbol, nesting);
        else readMap(inner, symbol, nesting);
      }
      term = { kind: 'other', datalog33: field === 8 ? 'null' : field === 9 ? 'array' : 'map' };
    } else bad('unknown term field');
  }
  if (term === undefined) bad('empty term');
  return term;
}

/** A set member's Datalog type. */
const typeOf = (term: TermValue): string => (term.kind === 'other' ? 'integer' : term.kind);

/** `Array { repeated TermV2 array = 1 }`. */
function readArray(a: Reader, symbol: Symbols, nesting: number): void {
  while (a.next()) {
    if (a.field !== 1) bad('unknown array field');
    expectWire(a.wire, LEN);
    readTerm(a.sub(), symbol, nesting);
  }
}

/** `Map { repeated MapEntry entries = 1 }`, each `MapEntry { MapKey key = 1; TermV2 value = 2 }` with both. */
function readMap(m: Reader, symbol: Symbols, nesting: number): void {
  while (m.next()) {
    if (m.field !== 1) bad('unknown map field');
    expectWire(m.wire, LEN);
    const entry = m.sub();
    let seen = 0;
    while (entry.next()) {
      const eField = entry.field;
      expectWire(entry.wire, LEN);
      if (eField === 1) {
        seen = once(seen, 1);
        readMapKey(entry.sub(), symbol);
      } else if (eField === 2) {
        seen = once(seen, 2);
        readTerm(entry.sub(), symbol, nesting);
      } else bad('unknown map entry field');
    }
    if (seen !== 0b110) bad('map entry without its key or value');
  }
}

/** `MapKey { oneof { int64 integer = 1; uint64 string = 2 } }`: exactly one. */
function readMapKey(k: Reader, symbol: Symbols): void {
  let read = false;
  while (k.next()) {
    if (read) bad('map key has two values');
    expectWire(k.wire, VARINT);
    const field = k.field;
    if (field === 1) k.varint64();
    else if (field === 2) symbol(k.varint());
    else bad('unknown map key field');
    read = true;
  }
  if (!read) bad('empty map key');
}

/** A predicate (fact, rule head or body): `name(terms…)`. */
function readPredicate(p: Reader, symbol: Symbols): FactView {
  let seen = 0;
  let name: string | undefined;
  const terms: TermValue[] = [];
  while (p.next()) {
    const { field: kField, wire: kWire } = p;
    expectWire(kWire, kField === 1 ? VARINT : LEN);
    if (kField === 1) {
      seen = once(seen, 1);
      name = symbol(p.varint());
    } else if (kField === 2) terms.push(readTerm(p.sub(), symbol, TOP));
    else bad('unknown predicate field');
  }
  if (name === undefined) bad('predicate without a name');
  return { name, terms };
}

function readFact(r: Reader, symbol: Symbols): FactView {
  let fact: FactView | undefined;
  while (r.next()) {
    const { field, wire } = r;
    if (field !== 1 || fact) bad('malformed fact');
    expectWire(wire, LEN);
    fact = readPredicate(r.sub(), symbol);
  }
  if (!fact) bad('empty fact');
  return fact;
}

/** One operation of an expression, in the stack order biscuit evaluates it. */
export type OpView =
  | { op: 'value'; term: TermValue }
  | { op: 'unary' | 'binary'; kind: number; ffi?: string }
  | { op: 'closure'; params: string[]; ops: OpView[] };

/** A rule or block scope: `trusting authority`, `trusting previous`, or a public key (index into the block's keys). */
export type ScopeView = { kind: 'authority' | 'previous' } | { kind: 'public_key'; index: number };

export interface RuleView {
  head: FactView;
  body: FactView[];
  expressions: OpView[][];
  scopes: ScopeView[];
}

export interface CheckView {
  /** 0 `check if`, 1 `check all`, 2 `reject if`. */
  kind: number;
  queries: RuleView[];
}

/** Everything one block carries, symbols resolved. */
export interface BlockView {
  facts: FactView[];
  rules: RuleView[];
  checks: CheckView[];
  /** The block's default scope (`trusting …` for the whole block). */
  scopes: ScopeView[];
  /** Public keys the block's scopes may name. */
  publicKeys: number;
  /** Whether the block carries a context string. */
  context: boolean;
  /** The Datalog version the block declares (3 to 6). */
  version: number;
  /**
   * The symbol table after this block: the table it extended, then its own symbols. A
   * first-party block after it extends this table (a third-party block starts afresh).
   */
  symbols: readonly string[];
}

/** The Datalog versions biscuit-auth 6 reads (a block declaring another is refused). */
export const MIN_DATALOG_VERSION = 3;
export const MAX_DATALOG_VERSION = 6;

/** Closures nest (`.any($p -> …)`); the templates nest two deep. Prost stops at 100. */
const MAX_OP_DEPTH = 16;

function readOperator(r: Reader, symbol: Symbols, op: 'unary' | 'binary'): OpView {
  let seen = 0;
  let kind: number | undefined;
  let ffi: string | undefined;
  while (r.next()) {
    const { field: kField, wire: kWire } = r;
    seen = once(seen, kField);
    expectWire(kWire, VARINT);
    if (kField === 1) kind = r.varint();
    else if (kField === 2) ffi = symbol(r.varint());
    else bad(`unknown ${op} operator field`);
  }
  if (kind === undefined) bad(`${op} operator without a kind`);
  // The kinds biscuit-auth knows (OpUnary.Kind 0–4, the last Ffi; OpBinary.Kind 0–29, Ffi 28
  // and TryOr 29): it refuses any other when it converts the block to Datalog. Only Ffi names
  // a function.
  const ffiKind = op === 'unary' ? UNARY_FFI : BINARY_FFI;
  if (kind > (op === 'unary' ? UNARY_FFI : TRY_OR)) bad(`unknown ${op} operator kind ${kind}`);
  if ((kind === ffiKind) !== (ffi !== undefined)) bad(`${op} operator: a function name goes with the Ffi kind, and only with it`);
  return ffi === undefined ? { op, kind } : { op, kind, ffi };
}

function readOp(r: Reader, symbol: Symbols, depth: number): OpView {
  if (depth > MAX_OP_DEPTH) bad('expression nested too deep');
  let op: OpView | undefined;
  while (r.next()) {
    const { field, wire } = r;
    if (op !== undefined) bad('operation has two values');
    expectWire(wire, LEN);
    if (field === 1) op = { op: 'value', term: readTerm(r.sub(), symbol, TOP) };
    else if (field === 2) op = readOperator(r.sub(), symbol, 'unary');
    else if (field === 3) op = readOperator(r.sub(), symbol, 'binary');
    else if (field === 4) {
      const c = r.sub();
      const params: string[] = [];
      const ops: OpView[] = [];
      while (c.next()) {
        const { field: kField, wire: kWire } = c;
        if (kField === 1) {
          // Unpacked, as biscuit writes it; a packed list is not what the templates write.
          expectWire(kWire, VARINT);
          params.push(symbol(c.varint()));
        } else if (kField === 2) {
          expectWire(kWire, LEN);
          ops.push(readOp(c.sub(), symbol, depth + 1));
        } else bad('unknown closure field');
      }
      op = { op: 'closure', params, ops };
    } else bad('unknown operation field');
  }
  if (op === undefined) bad('empty operation');
  return op;
}

function readScope(r: Reader): ScopeView {
  let scope: ScopeView | undefined;
  while (r.next()) {
    const { field, wire } = r;
    if (scope !== undefined) bad('scope has two values');
    expectWire(wire, VARINT);
    if (field === 1) {
      const type = r.varint();
      if (type !== 0 && type !== 1) bad(`unknown scope type ${type}`);
      scope = { kind: type === 0 ? 'authority' : 'previous' };
    } else if (field === 2) scope = { kind: 'public_key', index: r.varint() };
    else bad('unknown scope field');
  }
  if (scope === undefined) bad('empty scope');
  return scope;
}

function readRule(r: Reader, symbol: Symbols): RuleView {
  let seen = 0;
  let head: FactView | undefined;
  const body: FactView[] = [];
  const expressions: OpView[][] = [];
  const scopes: ScopeView[] = [];
  while (r.next()) {
    const { field, wire } = r;
    expectWire(wire, LEN);
    if (field === 1) {
      seen = once(seen, 1);
      head = readPredicate(r.sub(), symbol);
    } else if (field === 2) body.push(readPredicate(r.sub(), symbol));
    else if (field === 3) {
      const e = r.sub();
      const ops: OpView[] = [];
      while (e.next()) {
        const { field: kField, wire: kWire } = e;
        if (kField !== 1) bad('unknown expression field');
        expectWire(kWire, LEN);
        ops.push(readOp(e.sub(), symbol, 0));
      }
      expressions.push(ops);
    } else if (field === 4) scopes.push(readScope(r.sub()));
    else bad('unknown rule field');
  }
  if (!head) bad('rule without a head');
  return { head, body, expressions, scopes };
}

function readCheck(r: Reader, symbol: Symbols): CheckView {
  let seen = 0;
  let kind = 0;
  const queries: RuleView[] = [];
  while (r.next()) {
    const { field, wire } = r;
    if (field === 1) {
      expectWire(wire, LEN);
      queries.push(readRule(r.sub(), symbol));
    } else if (field === 2) {
      seen = once(seen, 2);
      expectWire(wire, VARINT);
      kind = r.varint();
    } else bad('unknown check field');
  }
  return { kind, queries };
}

type Span = { start: number; end: number };
/** Block fields 4 to 8, each read once the symbols are known. */
const SPAN_FIELDS = ['facts', 'rules', 'checks', 'scopes', 'keys'] as const;

/**
 * One block, symbols resolved. `inherited` is the symbol table the block extends: empty
 * for the authority block and for third-party blocks (which carry their own table).
 */
export function readBlock(block: Uint8Array, inherited: readonly string[] = []): BlockView {
  const r = new Reader(block);
  let seen = 0;
  const own: string[] = [...inherited];
  // The same entries as `own`, to find a repeat by hash rather than by comparing with each.
  const known = new Set<string>(inherited);
  const spans: Record<'facts' | 'rules' | 'checks' | 'scopes' | 'keys', Span[]> = { facts: [], rules: [], checks: [], scopes: [], keys: [] };
  let context = false;
  let version: number | undefined;
  while (r.next()) {
    const { field, wire } = r;
    if (field === 2 || field === 3) seen = once(seen, field);
    if (field === 1) {
      expectWire(wire, LEN);
      const name = r.string('a symbol');
      // As biscuit-auth: a block's symbols extend the table, never repeat an entry of it.
      if (DEFAULT_SYMBOL_SET.has(name) || known.has(name)) bad('a symbol repeats one already in the table');
      own.push(name);
      known.add(name);
    } else if (field === 2) {
      expectWire(wire, LEN);
      r.skip();
      context = true;
    } else if (field === 3) {
      expectWire(wire, VARINT);
      version = r.varint();
    } else if (field >= 4 && field <= 8) {
      expectWire(wire, LEN);
      spans[SPAN_FIELDS[field - 4]!].push(r.span());
    } else bad('unknown block field');
  }
  if (version === undefined || version < MIN_DATALOG_VERSION || version > MAX_DATALOG_VERSION) {
    bad(`block declares Datalog version ${version ?? 'none'}, outside ${MIN_DATALOG_VERSION} to ${MAX_DATALOG_VERSION}`);
  }
  const symbol: Symbols = (index) => {
    if (index < DEFAULT_SYMBOLS.length) return DEFAULT_SYMBOLS[index]!;
    const own_ = index - SYMBOL_OFFSET;
    if (own_ < 0 || own_ >= own.length) bad('unknown symbol');
    return own[own_]!;
  };
  const sub = ({ start, end }: Span) => new Reader(block, start, end);
  return {
    facts: spans.facts.map((s) => readFact(sub(s), symbol)),
    rules: spans.rules.map((s) => readRule(sub(s), symbol)),
    checks: spans.checks.map((s) => readCheck(sub(s), symbol)),
    scopes: spans.scopes.map((s) => readScope(sub(s))),
    publicKeys: spans.keys.map((s) => readPublicKey(sub(s))).length,
    context,
    version,
    symbols: own,
  };
}

/** The facts of one block (see {@link readBlock}). */
export function readBlockFacts(block: Uint8Array, inherited: readonly string[] = []): FactView[] {
  return readBlock(block, inherited).facts;
}

