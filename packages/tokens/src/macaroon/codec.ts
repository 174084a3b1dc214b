import { MalformedInputError } from '@agent-id/core';
import { equalBytes } from '@agent-id/core/internal';
import macaroonLib, { type Macaroon, type MacaroonCaveat } from 'macaroon';

const FIELD_EOS = 0;
const FIELD_LOCATION = 1;
const FIELD_IDENTIFIER = 2;
const FIELD_VID = 4;
const FIELD_SIGNATURE = 6;

/**
 * Macaroon v2 binary encoding. macaroon 3.0.4's own `exportBinary` never records its
 * buffer capacity and doubles on every append (RangeError after a few caveats); this
 * writes the same format directly.
 */
export function exportBinary(m: Macaroon): Uint8Array {
  const parts: number[] = [2];
  const field = (type: number, data?: Uint8Array): void => {
    parts.push(type);
    if (type === FIELD_EOS || !data) return;
    let n = data.length;
    while (n >= 0x80) {
      parts.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    parts.push(n);
    for (const b of data) parts.push(b);
  };
  const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
  if (m.location) field(FIELD_LOCATION, utf8(m.location));
  field(FIELD_IDENTIFIER, m.identifier);
  field(FIELD_EOS);
  for (const c of m.caveats) {
    if (c.location) field(FIELD_LOCATION, utf8(c.location));
    field(FIELD_IDENTIFIER, c.identifier);
    if (c.vid) field(FIELD_VID, c.vid);
    field(FIELD_EOS);
  }
  field(FIELD_EOS);
  field(FIELD_SIGNATURE, m.signature);
  return Uint8Array.from(parts);
}

/**
 * Imports a v2 binary macaroon, refusing any encoding that would not be written back
 * byte for byte (so every token has exactly one encoding).
 */
export function importBinary(bytes: Uint8Array, what = 'macaroon'): Macaroon {
  let m: Macaroon;
  try {
    m = macaroonLib.importMacaroon(bytes);
  } catch (cause) {
    throw new MalformedInputError(`${what} does not parse`, { check: 'parse', cause });
  }
  let again: Uint8Array;
  try {
    again = exportBinary(m);
  } catch (cause) {
    throw new MalformedInputError(`${what} does not parse`, { check: 'parse', cause });
  }
  if (!equalBytes(again, bytes)) throw new MalformedInputError(`${what} is not canonically encoded`, { check: 'parse' });
  return m;
}

/** The parts of a macaroon the verifier reads: what {@link readBinary} returns and a `Macaroon` has. */
export interface MacaroonView {
  readonly location: string;
  readonly identifier: Uint8Array;
  readonly caveats: readonly MacaroonCaveat[];
  readonly signature: Uint8Array;
}

// Locations are read as encoded: a leading U+FEFF is kept, then refused (see readBinary).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads a v2 binary macaroon without the macaroon library (whose pure-JS bit arrays cost
 * more than everything else the verifier does), accepting exactly what {@link importBinary}
 * accepts: the encoding {@link exportBinary} writes, field by field, with minimal
 * lengths, no empty location, UTF-8 locations not starting with U+FEFF, and nothing after
 * the signature. A test
 * holds the two readers to the same answer.
 */
export function readBinary(bytes: Uint8Array, what = 'macaroon'): MacaroonView {
  let pos = 0;
  const fail = (why: string): never => {
    throw new MalformedInputError(`${what} does not parse: ${why}`, { check: 'parse' });
  };
  const peek = (): number => (pos < bytes.length ? bytes[pos]! : fail('truncated'));
  const value = (): Uint8Array => {
    let length = 0;
    let shift = 0;
    for (;;) {
      const byte = peek();
      pos++;
      if (shift > 21) fail('field length too large');
      length += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) {
        // Minimal encoding only: a trailing zero continuation byte is a second encoding.
        if (byte === 0 && shift > 0) fail('field length not minimally encoded');
        break;
      }
      shift += 7;
    }
    if (pos + length > bytes.length) fail('truncated field');
    const out = bytes.subarray(pos, pos + length);
    pos += length;
    return out;
  };
  const text = (data: Uint8Array): string => {
    if (data.length === 0) fail('empty location');
    let location: string;
    try {
      location = utf8.decode(data);
    } catch {
      return fail('location is not UTF-8');
    }
    // The library drops a leading U+FEFF, so such a location has no canonical encoding.
    if (location.startsWith('\uFEFF')) fail('location starts with U+FEFF');
    return location;
  };
  /** One section: optional location, identifier, optional vid (caveats), end of section. */
  const section = (withVid: boolean): MacaroonCaveat & { location: string } => {
    let location = '';
    if (peek() === FIELD_LOCATION) {
      pos++;
      location = text(value());
    }
    if (peek() !== FIELD_IDENTIFIER) fail('identifier expected');
    pos++;
    const identifier = value();
    let vid: Uint8Array | undefined;
    if (withVid && peek() === FIELD_VID) {
      pos++;
      vid = value();
    }
    if (peek() !== FIELD_EOS) fail('end of section expected');
    pos++;
    return vid ? { location, identifier, vid } : { location, identifier };
  };
  if (peek() !== 2) fail('not a version 2 binary macaroon');
  pos++;
  const head = section(false);
  const caveats: MacaroonCaveat[] = [];
  while (peek() !== FIELD_EOS) {
    const c = section(true);
    caveats.push(c.vid ? { identifier: c.identifier, vid: c.vid, location: c.location } : c.location ? { identifier: c.identifier, location: c.location } : { identifier: c.identifier });
  }
  pos++;
  if (peek() !== FIELD_SIGNATURE) fail('signature expected');
  pos++;
  const signature = value();
  if (signature.length !== 32) fail('signature is not 32 bytes');
  if (pos !== bytes.length) fail('data after the signature');
  return { location: head.location, identifier: head.identifier, caveats, signature };
}
