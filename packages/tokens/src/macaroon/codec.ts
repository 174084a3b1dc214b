import { MalformedInputError } from '@agent-id/core';
import type { MacaroonCaveat, MacaroonDraft, MacaroonFields } from './macaroon.js';

const FIELD_EOS = 0;
const FIELD_LOCATION = 1;
const FIELD_IDENTIFIER = 2;
const FIELD_VID = 4;
const FIELD_SIGNATURE = 6;

/** Macaroon v2 binary encoding (libmacaroons' and the `macaroon` package's format). */
export function exportBinary(m: MacaroonFields): Uint8Array {
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
 * A v2 binary macaroon to append caveats to ({@link readBinary}: only the one encoding
 * {@link exportBinary} writes).
 */
export function importBinary(bytes: Uint8Array, what = 'macaroon'): MacaroonDraft {
  const { location, identifier, caveats, signature } = readBinary(bytes, what);
  return { location, identifier, caveats: [...caveats], signature };
}

/** The parts of a macaroon the verifier reads: what {@link readBinary} returns. */
export type MacaroonView = MacaroonFields;

// Locations are read as encoded: a leading U+FEFF is kept, then refused (see readBinary).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads a v2 binary macaroon, accepting only the encoding {@link exportBinary} writes, field
 * by field: minimal lengths, no empty location, UTF-8 locations not starting with U+FEFF,
 * and nothing after the signature, so every token has exactly one encoding. A test holds it
 * to the `macaroon` package's reading of the same bytes.
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
