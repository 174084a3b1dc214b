import { PLATFORM } from '#platform';
import { base64urlDecode, base64urlEncode } from './base64url.js';
import { assertSize, bytesToUtf8, utf8ToBytes } from './bytes.js';
import { InvalidSignatureError, MalformedInputError } from './errors.js';
import { isRecord, parseJson } from './json.js';
import { type JwsAlgorithm, type KeyPair, type PublicKey, keyTypeForAlgorithm, verifySignature, verifySignatureAsync } from './keys.js';

/** A JWS protected header: `alg` is always one of the allowed algorithms. */
export interface JwsHeader {
  alg: JwsAlgorithm;
  kid?: string;
  typ?: string;
  [member: string]: unknown;
}

/** A JWS split into its parts; nothing in it is verified yet. */
export interface ParsedJws {
  header: JwsHeader;
  /** The header's base64url text as received. */
  protected: string;
  /** Decoded payload bytes. */
  payload: Uint8Array;
  /** Bytes the signature covers: `protected || '.' || base64url(payload)`. */
  signingInput: Uint8Array;
  signature: Uint8Array;
}

/** Limits for parsing a JWS. */
export interface JwsParseOptions {
  /** Largest accepted compact JWS, in bytes. Default 16,384. */
  maxBytes?: number;
  /** Name used in messages. */
  what?: string;
}

/**
 * Signs a payload as a compact JWS. `alg` comes from the key.
 *
 * @example
 * ```ts
 * const jws = signCompactJws({ typ: 'JWT', kid }, utf8ToBytes(JSON.stringify(claims)), keyPair);
 * ```
 */
export function signCompactJws(header: Omit<JwsHeader, 'alg'>, payload: Uint8Array, keyPair: KeyPair): string {
  const protectedB64 = base64urlEncode(JSON.stringify({ ...header, alg: keyPair.algorithm }));
  const signingInput = `${protectedB64}.${base64urlEncode(payload)}`;
  return `${signingInput}.${base64urlEncode(keyPair.sign(utf8ToBytes(signingInput)))}`;
}

/**
 * Signs a detached-payload JWS (RFC 7515 appendix F): returns the protected header and
 * signature; the payload travels separately.
 *
 * @example
 * ```ts
 * const { protected: p, signature } = signDetachedJws({ kid, typ: 'JOSE' }, canonicalBytes, keyPair);
 * ```
 */
export function signDetachedJws(
  header: Omit<JwsHeader, 'alg'>,
  payload: Uint8Array,
  keyPair: KeyPair,
): { protected: string; signature: string } {
  const compact = signCompactJws(header, payload, keyPair);
  const [p, , s] = compact.split('.');
  return { protected: p!, signature: s! };
}

function parseHeader(protectedB64: string, what: string): JwsHeader {
  const header = parseJson(bytesToUtf8(base64urlDecode(protectedB64, `${what} header`), `${what} header`), {
    maxBytes: 4096,
    maxDepth: 4,
    what: `${what} header`,
  });
  if (!isRecord(header)) throw new MalformedInputError(`${what} header is not a JSON object`);
  keyTypeForAlgorithm(header.alg);
  if (header.crit !== undefined) throw new MalformedInputError(`${what} header has unsupported "crit"`, { check: 'header' });
  if (header.b64 !== undefined) throw new MalformedInputError(`${what} header has unsupported "b64"`, { check: 'header' });
  if (header.kid !== undefined && typeof header.kid !== 'string') throw new MalformedInputError(`${what} header "kid" is not a string`, { check: 'header' });
  return header as JwsHeader;
}

/**
 * Parses an untrusted compact JWS in the fixed order: type → size → parts → header
 * (algorithm allow-list) → payload. Verifies nothing.
 *
 * @example
 * ```ts
 * const parsed = parseCompactJws(jwt, { maxBytes: 8192, what: 'credential' });
 * ```
 */
export function parseCompactJws(input: unknown, options: JwsParseOptions = {}): ParsedJws {
  const what = options.what ?? 'JWS';
  if (typeof input !== 'string') throw new MalformedInputError(`${what} is not a string`);
  assertSize(input, options.maxBytes ?? 16_384, what);
  const parts = input.split('.');
  if (parts.length !== 3) throw new MalformedInputError(`${what} does not have three parts`);
  const [p, payloadB64, sigB64] = parts as [string, string, string];
  const header = parseHeader(p, what);
  return {
    header,
    protected: p,
    payload: base64urlDecode(payloadB64, `${what} payload`),
    signingInput: utf8ToBytes(`${p}.${payloadB64}`),
    signature: base64urlDecode(sigB64, `${what} signature`),
  };
}

/**
 * Parses a detached JWS (`protected`, `signature`) over a payload given by the caller.
 * @example
 * ```ts
 * const parsed = parseDetachedJws(sig.protected, sig.signature, canonicalBytes);
 * ```
 */
export function parseDetachedJws(protectedB64: unknown, signatureB64: unknown, payload: Uint8Array, what = 'JWS'): ParsedJws {
  if (typeof protectedB64 !== 'string' || typeof signatureB64 !== 'string') {
    throw new MalformedInputError(`${what} protected header and signature must be strings`);
  }
  assertSize(protectedB64, 8192, `${what} header`);
  assertSize(signatureB64, 1024, `${what} signature`);
  const header = parseHeader(protectedB64, what);
  return {
    header,
    protected: protectedB64,
    payload,
    signingInput: utf8ToBytes(`${protectedB64}.${base64urlEncode(payload)}`),
    signature: base64urlDecode(signatureB64, `${what} signature`),
  };
}

/**
 * Verifies a parsed JWS against a key: algorithm/key match (`key_mismatch`) then
 * signature (`invalid_signature`, "<what> does not verify").
 *
 * @example
 * ```ts
 * verifyJwsSignature(parseCompactJws(jwt), publicKey);
 * ```
 */
export function verifyJwsSignature(jws: ParsedJws, publicKey: PublicKey, what = 'JWS signature'): void {
  if (!verifySignature(jws.header.alg, publicKey, jws.signature, jws.signingInput)) {
    throw new InvalidSignatureError(`${what} does not verify`);
  }
}

/**
 * {@link verifyJwsSignature} at native speed on every runtime ({@link PublicKey.verifyAsync}:
 * node:crypto on Node, WebCrypto elsewhere). Same checks and errors.
 *
 * @example
 * ```ts
 * await verifyJwsSignatureAsync(parseCompactJws(jwt), publicKey);
 * ```
 */
export async function verifyJwsSignatureAsync(jws: ParsedJws, publicKey: PublicKey, what = 'JWS signature'): Promise<void> {
  // node:crypto verifies synchronously: no further promises per check on Node.
  if (PLATFORM === 'node') return verifyJwsSignature(jws, publicKey, what);
  if (!(await verifySignatureAsync(jws.header.alg, publicKey, jws.signature, jws.signingInput))) {
    throw new InvalidSignatureError(`${what} does not verify`);
  }
}
