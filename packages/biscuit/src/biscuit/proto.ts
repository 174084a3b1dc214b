import { MalformedInputError } from '@agent-id/core';

/*
 * A strict reader for the parts of the Biscuit wire format (biscuit-auth schema.proto)
 * the verifier reads in JavaScript: block signatures (revocation ids), each block's
 * external (third-party) public key, and the facts of each block. It runs only on bytes
 * biscuit-wasm has already verified (every signature, external ones included), so it
 * decides nothing about authenticity; it replaces Datalog queries, which cost a wasm run
 * and linear memory each.
 *
 * Strict on purpose, so it can never read a block differently from the Rust decoder
 * (prost): an unknown field, a wire type that does not match the schema, a repeated
 * singular field (prost would keep the last or merge), two members of a oneof, or a
 * truncated value is refused as `malformed_input`.
 */

const DEFAULT_SYMBOLS = [
  'read', 'write', 'resource', 'operation', 'right', 'time', 'role', 'owner', 'tenant', 'namespace',
  'user', 'team', 'service', 'admin', 'email', 'group', 'member', 'ip_address', 'client', 'client_ip',
  'domain', 'path', 'version', 'cluster', 'node', 'hostname', 'nonce', 'query',
];
const SYMBOL_OFFSET = 1024;

const VARINT = 0;
const LEN = 2;

function bad(what: string): never {
  throw new MalformedInputError(`biscuit: ${what}`, { check: 'parse' });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as a safe integer (larger values are refused: no field read here needs them). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) bad('truncated varint');
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (!Number.isSafeInteger(result)) bad('integer out of range');
        return result;
      }
      scale *= 128;
    }
    return bad('varint too long');
  }

  key(): { field: number; wire: number } {
    const k = this.varint();
    return { field: Math.floor(k / 8), wire: k & 7 };
  }

  /** A length-delimited value: [start, end) inside the buffer. */
  span(): { start: number; end: number } {
    const length = this.varint();
    const start = this.pos;
    const end = start + length;
    if (end > this.end) bad('truncated field');
    this.pos = end;
    return { start, end };
  }

  bytes(): Uint8Array {
    const { start, end } = this.span();
    return this.buf.subarray(start, end);
  }

  sub(): Reader {
    const { start, end } = this.span();
    return new Reader(this.buf, start, end);
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === LEN) this.span();
    else bad(`unexpected wire type ${wire}`);
  }
}

function expectWire(actual: number, expected: number): void {
  if (actual !== expected) bad('field has the wrong wire type');
}

/** Records singular fields so a second occurrence is refused. */
function once(seen: Set<number>, field: number): void {
  if (seen.has(field)) bad(`field ${field} repeated`);
  seen.add(field);
}

/** One block as signed: its payload, its signature (the revocation id) and its external key. */
export interface SignedBlockView {
  block: Uint8Array;
  signature: Uint8Array;
  /** Third-party blocks only: the key that signed the block's external signature. */
  externalKey?: { algorithm: number; key: Uint8Array };
}

function readPublicKey(r: Reader): { algorithm: number; key: Uint8Array } {
  const seen = new Set<number>();
  let algorithm: number | undefined;
  let key: Uint8Array | undefined;
  while (!r.done()) {
    const { field, wire } = r.key();
    once(seen, field);
    if (field === 1) {
      expectWire(wire, VARINT);
      algorithm = r.varint();
    } else if (field === 2) {
      expectWire(wire, LEN);
      key = r.bytes();
    } else bad('unknown public key field');
  }
  if (algorithm === undefined || key === undefined) bad('incomplete public key');
  return { algorithm, key };
}

function readSignedBlock(r: Reader): SignedBlockView {
  const seen = new Set<number>();
  let block: Uint8Array | undefined;
  let signature: Uint8Array | undefined;
  let externalKey: SignedBlockView['externalKey'];
  while (!r.done()) {
    const { field, wire } = r.key();
    once(seen, field);
    if (field === 1) {
      expectWire(wire, LEN);
      block = r.bytes();
    } else if (field === 2) {
      expectWire(wire, LEN);
      r.span(); // nextKey: checked by biscuit-wasm
    } else if (field === 3) {
      expectWire(wire, LEN);
      signature = r.bytes();
    } else if (field === 4) {
      expectWire(wire, LEN);
      const ext = r.sub();
      const extSeen = new Set<number>();
      while (!ext.done()) {
        const k = ext.key();
        once(extSeen, k.field);
        expectWire(k.wire, LEN);
        if (k.field === 1) ext.span();
        else if (k.field === 2) externalKey = readPublicKey(ext.sub());
        else bad('unknown external signature field');
      }
      if (!externalKey) bad('external signature without a key');
    } else if (field === 5) {
      expectWire(wire, VARINT);
      r.varint();
    } else bad('unknown signed block field');
  }
  if (!block || !signature) bad('incomplete signed block');
  return externalKey ? { block, signature, externalKey } : { block, signature };
}

/** The signed blocks of a serialized Biscuit, authority first. */
export function readEnvelope(bytes: Uint8Array): SignedBlockView[] {
  const r = new Reader(bytes);
  const seen = new Set<number>();
  let authority: SignedBlockView | undefined;
  const blocks: SignedBlockView[] = [];
  while (!r.done()) {
    const { field, wire } = r.key();
    if (field !== 3) once(seen, field);
    if (field === 1) {
      expectWire(wire, VARINT);
      r.varint();
    } else if (field === 2) {
      expectWire(wire, LEN);
      authority = readSignedBlock(r.sub());
    } else if (field === 3) {
      expectWire(wire, LEN);
      blocks.push(readSignedBlock(r.sub()));
    } else if (field === 4) {
      expectWire(wire, LEN);
      r.span(); // proof: checked by biscuit-wasm
    } else bad('unknown token field');
  }
  if (!authority) bad('no authority block');
  return [authority, ...blocks];
}

/** A Datalog term as read: only the kinds the capability facts use are kept apart. */
export type TermValue =
  | { kind: 'string'; value: string }
  | { kind: 'integer'; value: number }
  | { kind: 'date'; value: number }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'set'; value: TermValue[] }
  | { kind: 'other' };

export interface FactView {
  name: string;
  terms: TermValue[];
}

type Symbols = (index: number) => string;

function readTerm(r: Reader, symbol: Symbols, depth: number): TermValue {
  let term: TermValue | undefined;
  while (!r.done()) {
    const { field, wire } = r.key();
    if (term !== undefined) bad('term has two values');
    if (field === 2) {
      expectWire(wire, VARINT);
      term = { kind: 'integer', value: r.varint() };
    } else if (field === 3) {
      expectWire(wire, VARINT);
      term = { kind: 'string', value: symbol(r.varint()) };
    } else if (field === 4) {
      expectWire(wire, VARINT);
      term = { kind: 'date', value: r.varint() };
    } else if (field === 5) {
      expectWire(wire, LEN);
      term = { kind: 'bytes', value: r.bytes() };
    } else if (field === 7) {
      expectWire(wire, LEN);
      if (depth > 0) bad('nested set');
      const set = r.sub();
      const items: TermValue[] = [];
      while (!set.done()) {
        const k = set.key();
        if (k.field !== 1) bad('unknown set field');
        expectWire(k.wire, LEN);
        items.push(readTerm(set.sub(), symbol, depth + 1));
      }
      term = { kind: 'set', value: items };
    } else if (field === 1 || field === 6 || field === 8 || field === 9 || field === 10) {
      // variable, bool, null, array, map: valid Datalog, never part of a capability fact
      r.skip(wire);
      term = { kind: 'other' };
    } else bad('unknown term field');
  }
  if (term === undefined) bad('empty term');
  return term;
}

function readFact(r: Reader, symbol: Symbols): FactView {
  let fact: FactView | undefined;
  while (!r.done()) {
    const { field, wire } = r.key();
    if (field !== 1 || fact) bad('malformed fact');
    expectWire(wire, LEN);
    const p = r.sub();
    const seen = new Set<number>();
    let name: string | undefined;
    const terms: TermValue[] = [];
    while (!p.done()) {
      const k = p.key();
      expectWire(k.wire, k.field === 1 ? VARINT : LEN);
      if (k.field === 1) {
        once(seen, 1);
        name = symbol(p.varint());
      } else if (k.field === 2) terms.push(readTerm(p.sub(), symbol, 0));
      else bad('unknown predicate field');
    }
    if (name === undefined) bad('predicate without a name');
    fact = { name, terms };
  }
  if (!fact) bad('empty fact');
  return fact;
}

/**
 * The facts of one block. `inherited` is the symbol table the block extends: empty for
 * the authority block and for third-party blocks (which carry their own table).
 */
export function readBlockFacts(block: Uint8Array, inherited: readonly string[] = []): FactView[] {
  const r = new Reader(block);
  const seen = new Set<number>();
  const own: string[] = [...inherited];
  const factSpans: Array<{ start: number; end: number }> = [];
  while (!r.done()) {
    const { field, wire } = r.key();
    if (field === 2 || field === 3) once(seen, field);
    if (field === 1) {
      expectWire(wire, LEN);
      own.push(utf8.decode(r.bytes()));
    } else if (field === 3) {
      expectWire(wire, VARINT);
      r.varint();
    } else if (field === 4) {
      expectWire(wire, LEN);
      factSpans.push(r.span());
    } else if (field === 2 || (field >= 5 && field <= 8)) {
      // context, rules, checks, scopes, public keys: evaluated by biscuit-wasm
      expectWire(wire, LEN);
      r.span();
    } else bad('unknown block field');
  }
  const symbol: Symbols = (index) => {
    if (index < DEFAULT_SYMBOLS.length) return DEFAULT_SYMBOLS[index]!;
    const own_ = index - SYMBOL_OFFSET;
    if (own_ < 0 || own_ >= own.length) bad('unknown symbol');
    return own[own_]!;
  };
  return factSpans.map(({ start, end }) => readFact(new Reader(block, start, end), symbol));
}
