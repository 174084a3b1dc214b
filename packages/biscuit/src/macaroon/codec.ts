import { MalformedInputError, equalBytes } from '@agent-id/core';
import macaroonLib, { type Macaroon } from 'macaroon';

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
