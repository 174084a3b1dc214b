import { MalformedInputError } from '@agent-id/core';

/*
 * A strict protobuf reader for the Biscuit wire format: varints, length-delimited
 * values, and the helpers the schemas (`envelope.ts`, `block.ts`) use to refuse what the
 * Rust decoder (prost) would read leniently. Reading decides nothing about authenticity.
 *
 * Strict on purpose, so it can never read a message differently from prost: an unknown
 * field, a wire type that does not match the schema, a repeated singular field (prost would
 * keep the last or merge), two members of a oneof, or a truncated value is refused as
 * `malformed_input`.
 */

export const VARINT = 0;
export const LEN = 2;

export function bad(what: string): never {
  throw new MalformedInputError(`biscuit: ${what}`, { check: 'parse' });
}

// Strings are kept exactly as encoded (a leading U+FEFF included), as prost reads them.
// Up to this length, building an ASCII string a character at a time costs less than a
// decoder call; past it (a DID is 56 characters) the decoder costs less.
const SHORT_STRING = 16;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function text(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return bad(`${what} is not UTF-8`);
  }
}

export class Reader {
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

  /** A full 64-bit varint (int64 terms), refused past 10 bytes or 64 bits as prost does. */
  varint64(): bigint {
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) bad('truncated varint');
      const byte = this.buf[this.pos++]!;
      if (i === 9 && byte > 1) bad('varint too long');
      result |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if (byte < 0x80) return result;
    }
    return bad('varint too long');
  }

  /** The field number of the tag {@link next} read last. */
  field = 0;
  /** The wire type of the tag {@link next} read last. */
  wire = 0;

  /**
   * Reads the next field's tag into {@link field} and {@link wire}; false, reading nothing,
   * at the end of the message. Kept on the reader rather than returned as an object: every
   * field of every block of every verification is read through here.
   */
  next(): boolean {
    if (this.pos >= this.end) return false;
    const tag = this.varint();
    this.field = Math.floor(tag / 8);
    this.wire = tag & 7;
    return true;
  }

  /**
   * Steps over a length-delimited value and returns where it starts; it ends where the
   * reader now is. No object per field: Maglev, which runs a verifier's code for its first
   * thousands of tokens, does not remove short-lived ones.
   */
  skip(): number {
    const length = this.varint();
    const start = this.pos;
    const end = start + length;
    if (end > this.end) bad('truncated field');
    this.pos = end;
    return start;
  }

  /** A length-delimited value: [start, end) inside the buffer. */
  span(): { start: number; end: number } {
    const start = this.skip();
    return { start, end: this.pos };
  }

  bytes(): Uint8Array {
    const start = this.skip();
    return this.buf.subarray(start, this.pos);
  }

  /** A length-delimited UTF-8 string (see {@link text}); a short ASCII one is read without a decoder call. */
  string(what: string): string {
    const start = this.skip();
    const end = this.pos;
    if (end - start <= SHORT_STRING) {
      let out = '';
      let i = start;
      for (; i < end; i++) {
        const byte = this.buf[i]!;
        if (byte >= 0x80) break;
        out += String.fromCharCode(byte);
      }
      // ASCII is UTF-8 as it stands: the decoder could not read it otherwise.
      if (i === end) return out;
    }
    return text(this.buf.subarray(start, end), what);
  }

  /**
   * An int64 varint that fits in 7 bytes (so a non-negative safe integer, below 2^49) as a
   * number, read as {@link varint64} reads it; undefined, reading nothing, when it is longer.
   */
  smallVarint64(): number | undefined {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 7 && this.pos + i < this.end; i++) {
      const byte = this.buf[this.pos + i]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        this.pos += i + 1;
        return result;
      }
      scale *= 128;
    }
    return undefined;
  }

  sub(): Reader {
    const start = this.skip();
    return new Reader(this.buf, start, this.pos);
  }
}

export function expectWire(actual: number, expected: number): void {
  if (actual !== expected) bad('field has the wrong wire type');
}

/**
 * Records a singular field in `seen` (a bit per field number) so a second occurrence is
 * refused; returns the new `seen`. Field numbers past 30 are no schema's here: every reader
 * refuses them as unknown.
 */
export function once(seen: number, field: number): number {
  if (field > 30) return seen;
  const bit = 1 << field;
  if (seen & bit) bad(`field ${field} repeated`);
  return seen | bit;
}
