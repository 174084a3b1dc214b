import { inspect } from 'node:util';
import { MalformedInputError, assertSize, base64urlDecode, base64urlEncode } from '@agent-id/core';

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

  private constructor(format: TokenFormat, encoded: string, size: number) {
    this.format = format;
    this.#encoded = encoded;
    this.size = size;
  }

  /**
   * Wraps a serialized token (unpadded base64url), detecting its format. Nothing is
   * verified here; the size is checked first.
   * @example
   * ```ts
   * const token = CapabilityToken.parse(text, { maxTokenBytes: 8192 });
   * ```
   */
  static parse(encoded: string, options: { maxTokenBytes?: number } = {}): CapabilityToken {
    if (typeof encoded !== 'string') throw new MalformedInputError('token is not a string', { check: 'parse' });
    assertSize(encoded, options.maxTokenBytes ?? 16_384, 'token');
    const bytes = base64urlDecode(encoded, 'token');
    if (bytes.length === 0) throw new MalformedInputError('token is empty', { check: 'parse' });
    // Macaroon v2 binary starts with its version byte 2; a Biscuit protobuf with a field tag.
    const format: TokenFormat = bytes[0] === 0x02 ? 'macaroon' : 'biscuit';
    return new CapabilityToken(format, encoded, bytes.length);
  }

  /** @internal */
  static fromBytes(format: TokenFormat, bytes: Uint8Array): CapabilityToken {
    return new CapabilityToken(format, base64urlEncode(bytes), bytes.length);
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
   * The decoded bytes.
   * @example
   * ```ts
   * const bytes = token.toBytes();
   * ```
   */
  toBytes(): Uint8Array {
    return base64urlDecode(this.#encoded, 'token');
  }

  toString(): string {
    return `CapabilityToken(${this.format}, ${this.size} bytes, redacted)`;
  }

  toJSON(): { format: TokenFormat; size: number; token: 'redacted' } {
    return { format: this.format, size: this.size, token: 'redacted' };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

export function toToken(token: CapabilityToken | string, maxTokenBytes: number): CapabilityToken {
  if (token instanceof CapabilityToken) {
    if (token.serialize().length > maxTokenBytes) return CapabilityToken.parse(token.serialize(), { maxTokenBytes });
    return token;
  }
  return CapabilityToken.parse(token, { maxTokenBytes });
}
