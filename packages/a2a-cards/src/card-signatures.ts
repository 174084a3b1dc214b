import { InputTooLargeError, JWS_VERIFY_ALGORITHMS, type JwsVerifyAlgorithm, MalformedInputError, UnsupportedAlgorithmError, base64urlDecode } from '@agent-id/core';
import { BoundedMap, assertSize, bytesToUtf8, deepFreeze, isRecord, parseJson, utf8ToBytes } from '@agent-id/core/internal';

/** One entry of a card's `signatures`, its protected header read; nothing verified. */
export interface CardSignature {
  /** Position on the card, counted from 1 as people count. */
  number: number;
  protected: string;
  signature: Uint8Array;
  alg: JwsVerifyAlgorithm;
  kid: string;
  /** The `kid`'s DID when the `kid` is a DID URL. */
  did: string | undefined;
  jku: string | undefined;
}

/** The entries of `signatures`, or a coded error for one entry that cannot be read. */
export type SignatureSlot = { ok: true; sig: CardSignature } | { ok: false; number: number; kid: string | undefined; error: MalformedInputError | UnsupportedAlgorithmError | InputTooLargeError };

const DID_URL = /^did:[a-z0-9]+:[A-Za-z0-9._:%-]+#[^\s#]+$/;
const TYPES = new Set(['JOSE', 'JWT']);

/** A `kid` shortened for messages. */
export const short = (s: string) => (s.length > 120 ? `${s.slice(0, 117)}...` : s);

/**
 * Reads `signatures`: the list itself (not an array, more than `max`) is refused outright;
 * each entry is read on its own, so one unreadable entry is a refusal of that signature only.
 */
export function readSignatures(list: unknown, max: number): SignatureSlot[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new MalformedInputError('agent card signatures is not an array', { check: 'card_schema' });
  if (list.length > max) throw new InputTooLargeError(`agent card carries ${list.length} signatures, above the limit of ${max}`, { check: 'signatures' });
  return list.map((entry, index): SignatureSlot => {
    try {
      return { ok: true, sig: readSignature(entry, index + 1) };
    } catch (error) {
      if (error instanceof MalformedInputError || error instanceof UnsupportedAlgorithmError || error instanceof InputTooLargeError) {
        const kid = isRecord(entry) && typeof entry.protected === 'string' ? peekKid(entry.protected) : undefined;
        return { ok: false, number: index + 1, kid, error };
      }
      throw error;
    }
  });
}

function peekKid(protectedB64: string): string | undefined {
  try {
    const header = parseJson(bytesToUtf8(base64urlDecode(protectedB64)), { maxBytes: 4096, maxDepth: 4 });
    return isRecord(header) && typeof header.kid === 'string' ? short(header.kid) : undefined;
  } catch {
    return undefined;
  }
}

/** What a protected header says, read and checked. */
interface ReadHeader {
  header: Readonly<Record<string, unknown>>;
  alg: JwsVerifyAlgorithm;
  kid: string;
  did: string | undefined;
  jku: string | undefined;
}

// Protected headers read before, by their text: a signer puts the same header on every card
// it signs, and what it says is a function of the text alone. Only headers that passed every
// check below are kept (frozen).
const MAX_HEADERS = 1024;
const MAX_HEADER_CHARS = 1024;
const headers = new BoundedMap<string, ReadHeader>(MAX_HEADERS);

function readHeader(p: string, what: string): ReadHeader {
  const seen = p.length <= MAX_HEADER_CHARS ? headers.get(p) : undefined;
  if (seen !== undefined) return seen;
  const header = parseJson(bytesToUtf8(base64urlDecode(p, `${what} header`), `${what} header`), { maxBytes: 4096, maxDepth: 4, what: `${what} header` });
  if (!isRecord(header)) throw new MalformedInputError(`${what} header is not a JSON object`);
  const { alg, kid, typ, jku, crit } = header;
  if (typeof alg !== 'string' || !(JWS_VERIFY_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new UnsupportedAlgorithmError(`${what} algorithm ${typeof alg === 'string' ? JSON.stringify(alg.slice(0, 16)) : typeof alg} is not allowed`);
  }
  // No JWS extension is understood here, so any critical one must be refused (RFC 7515 section 4.1.11).
  if (crit !== undefined) {
    const names = Array.isArray(crit) ? crit.filter((c) => typeof c === 'string').join(', ') : '';
    throw new MalformedInputError(`${what} marks header members critical that are not understood${names ? `: ${names.slice(0, 80)}` : ''}`, { check: 'crit' });
  }
  if (header.b64 !== undefined) throw new MalformedInputError(`${what} header has unsupported "b64"`, { check: 'header' });
  if (typ !== undefined && !(typeof typ === 'string' && TYPES.has(typ))) throw new MalformedInputError(`${what} "typ" must be "JOSE" or "JWT" when present`, { check: 'header' });
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > 2048) throw new MalformedInputError(`${what} protected header has no "kid"`, { check: 'kid' });
  if (jku !== undefined && typeof jku !== 'string') throw new MalformedInputError(`${what} "jku" is not a string`, { check: 'header' });
  const did = DID_URL.test(kid) ? kid.slice(0, kid.indexOf('#')) : undefined;
  const read: ReadHeader = Object.freeze({ header: deepFreeze(header), alg: alg as JwsVerifyAlgorithm, kid, did, jku });
  if (p.length <= MAX_HEADER_CHARS) headers.set(p, read);
  return read;
}

function readSignature(entry: unknown, number: number): CardSignature {
  const what = `card signature ${number}`;
  if (!isRecord(entry)) throw new MalformedInputError(`${what} is not an object`);
  const { protected: p, signature: s } = entry;
  if (typeof p !== 'string' || typeof s !== 'string') throw new MalformedInputError(`${what} protected header and signature must be strings`);
  assertSize(p, 8192, `${what} header`);
  assertSize(s, 2048, `${what} signature`);
  const { header, alg, kid, did, jku } = readHeader(p, what);
  const unprotected = entry.header;
  if (unprotected !== undefined && unprotected !== null) {
    if (!isRecord(unprotected)) throw new MalformedInputError(`${what} unprotected header is not an object`, { check: 'header' });
    if (Object.keys(unprotected).some((k) => Object.hasOwn(header, k))) {
      throw new MalformedInputError(`${what} repeats a protected header member in its unprotected header`, { check: 'header' });
    }
  }
  let signature: Uint8Array;
  try {
    signature = base64urlDecode(s, `${what} signature`);
  } catch (cause) {
    throw new MalformedInputError(`${what} signature is not base64url`, { check: 'signature', cause });
  }
  return { number, protected: p, signature, alg, kid, did, jku };
}

/** The JWS signing input over a canonical form's base64url payload. */
export function signingInput(sig: CardSignature, payloadB64: string): Uint8Array {
  return utf8ToBytes(`${sig.protected}.${payloadB64}`);
}
