import { MalformedInputError, base64urlEncode } from '@agent-id/core';
import { assertCanonicalBase64url, assertSize, base64urlSextet, bytesFromBase64url, isCanonicalBase64url, sha256Base64url } from '@agent-id/core/internal';

// One decode buffer for the whole module, reused by every parse and every verification.
// Verification is allocation-sensitive: each fresh buffer of a few KiB is external
// memory to V8, and next to the large WebAssembly memory enough of them force a
// collection on nearly every call.
// Node's Buffer decodes in place; other runtimes decode afresh (natively where they can).
type NodeBuffer = Uint8Array & { write(text: string, encoding: 'base64url'): number; toString(encoding: 'base64url', start: number, end: number): string };
const NodeBufferClass = (globalThis as { Buffer?: { allocUnsafeSlow(size: number): NodeBuffer } }).Buffer;
let scratch: NodeBuffer | undefined = NodeBufferClass?.allocUnsafeSlow(16_384);

/**
 * Unpadded base64url decoding into the shared buffer, of a token's text that
 * `CapabilityToken.parse` found canonical (alphabet, length and trailing bits: the only
 * texts a token is made from; the others are encoded from bytes and keep them). The view
 * is valid until the next decode: use it synchronously.
 */
function decodeShared(input: string): Uint8Array {
  if (!NodeBufferClass || !scratch) return bytesFromBase64url(input);
  const need = Math.ceil((input.length * 3) / 4);
  if (need > scratch.length) scratch = NodeBufferClass.allocUnsafeSlow(need);
  const length = scratch.write(input, 'base64url');
  return scratch.subarray(0, length);
}

/** A decode of a token's text that no later decode changes: {@link decodeShared}'s bytes, copied where they are the shared buffer. */
function decodeOwn(input: string): Uint8Array {
  const bytes = decodeShared(input);
  return scratch ? Uint8Array.from(bytes) : bytes;
}

let bytesOfToken: (token: CapabilityToken) => Uint8Array;
let ownBytesOfToken: (token: CapabilityToken) => Uint8Array;

/**
 * @internal The token's decoded bytes without a copy. The view may be a shared buffer that
 * the next call overwrites: use it synchronously, never modify or keep it.
 */
export function bytesOf(token: CapabilityToken): Uint8Array {
  return bytesOfToken(token);
}

/**
 * @internal The token's decoded bytes, which no later call changes, for work that awaits:
 * its own bytes, or a fresh decode, or a copy of the shared one. Never modify them.
 */
export function ownBytesOf(token: CapabilityToken): Uint8Array {
  return ownBytesOfToken(token);
}

/** The two token formats. */
export type TokenFormat = 'biscuit' | 'macaroon';

/**
 * A serialized capability token (Biscuit or Macaroon, or a macaroon discharge). It is a
 * bearer secret for whoever holds its key: `toString`, `JSON.stringify` and
 * `util.inspect` show only its format and size; {@link CapabilityToken.serialize} gives
 * the wire form on purpose.
 *
 * @example
 * ```ts
 * const token = CapabilityToken.parse(header.slice('Bearer '.length));
 * console.log(String(token)); // CapabilityToken(biscuit, 1327 bytes, redacted)
 * ```
 */
export class CapabilityToken {
  readonly format: TokenFormat;
  /** Size of the decoded token in bytes. */
  readonly size: number;
  #encoded: string;
  /** Kept when the token was made from bytes (mint, attenuate); a parsed token decodes on use. */
  #bytes: Uint8Array | undefined;
  #hash: string | undefined;

  static {
    bytesOfToken = (token) => token.#bytes ?? decodeShared(token.#encoded);
    ownBytesOfToken = (token) => token.#bytes ?? decodeOwn(token.#encoded);
  }

  private constructor(format: TokenFormat, encoded: string, size: number, bytes?: Uint8Array) {
    this.format = format;
    this.#encoded = encoded;
    this.#bytes = bytes;
    this.size = size;
  }

  /**
   * Wraps a serialized token (unpadded base64url), detecting its format. Nothing is
   * verified here; the size is checked first.
   * @example
   * ```ts
   * const token = CapabilityToken.parse(text, { maxTokenChars: 8192 });
   * ```
   */
  static parse(encoded: string, options: { maxTokenChars?: number } = {}): CapabilityToken {
    if (typeof encoded !== 'string') throw new MalformedInputError('token is not a string', { check: 'parse' });
    const max = options.maxTokenChars ?? 16_384;
    // Checked, not decoded: the format is in the first byte, and a token verified before is
    // never decoded again. Canonical base64url is ASCII, a byte a character: then its length
    // is its size, and the text is scanned once. Otherwise the size is refused first, as ever.
    if (encoded.length > max || !isCanonicalBase64url(encoded)) {
      assertSize(encoded, max, 'token');
      assertCanonicalBase64url(encoded, 'token');
    }
    if (encoded.length === 0) throw new MalformedInputError('token is empty', { check: 'parse' });
    const first = (base64urlSextet(encoded.charCodeAt(0)) << 2) | (base64urlSextet(encoded.charCodeAt(1)) >> 4);
    // Macaroon v2 binary starts with its version byte 2; a Biscuit protobuf with a field tag.
    const format: TokenFormat = first === 0x02 ? 'macaroon' : 'biscuit';
    return new CapabilityToken(format, encoded, Math.floor((encoded.length * 3) / 4));
  }

  /** @internal */
  static fromBytes(format: TokenFormat, bytes: Uint8Array): CapabilityToken {
    return new CapabilityToken(format, base64urlEncode(bytes), bytes.length, Uint8Array.from(bytes));
  }

  /**
   * The wire form (unpadded base64url). Treat it as a secret.
   * @example
   * ```ts
   * fetch(url, { headers: { authorization: `Bearer ${token.serialize()}` } });
   * ```
   */
  serialize(): string {
    return this.#encoded;
  }

  /**
   * SHA-256 of the wire form, base64url: a name for the token that reveals nothing of it
   * (what an RFC 9449 proof's `ath` carries).
   * Computed once per object.
   * @example
   * ```ts
   * if (proofClaims.ath !== token.hash()) throw new Error('proof is for another token');
   * ```
   */
  hash(): string {
    this.#hash ??= sha256Base64url(this.#encoded);
    return this.#hash;
  }

  /**
   * The decoded bytes.
   * @example
   * ```ts
   * const bytes = token.toBytes();
   * ```
   */
  toBytes(): Uint8Array {
    return Uint8Array.from(bytesOf(this));
  }

  toString(): string {
    return `CapabilityToken(${this.format}, ${this.size} bytes, redacted)`;
  }

  toJSON(): { format: TokenFormat; size: number; token: 'redacted' } {
    return { format: this.format, size: this.size, token: 'redacted' };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

export function toToken(token: CapabilityToken | string, maxTokenChars: number): CapabilityToken {
  if (token instanceof CapabilityToken) {
    if (token.serialize().length > maxTokenChars) return CapabilityToken.parse(token.serialize(), { maxTokenChars });
    return token;
  }
  return CapabilityToken.parse(token, { maxTokenChars });
}
