import { MalformedInputError } from './errors.js';

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Encodes bytes (or a UTF-8 string) as unpadded base64url.
 * @example
 * ```ts
 * base64urlEncode(new Uint8Array([255])); // '_w'
 * ```
 */
export function base64urlEncode(input: Uint8Array | string): string {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input.buffer, input.byteOffset, input.length);
  return buf.toString('base64url');
}

/**
 * Decodes unpadded base64url strictly: any character outside the alphabet, padding, or
 * non-canonical trailing bits is `malformed_input`.
 *
 * @example
 * ```ts
 * base64urlDecode('_w'); // Uint8Array [255]
 * ```
 */
export function base64urlDecode(input: string, what = 'input'): Uint8Array {
  if (typeof input !== 'string' || !BASE64URL.test(input) || input.length % 4 === 1) {
    throw new MalformedInputError(`${what} is not unpadded base64url`);
  }
  // Node silently ignores non-zero trailing bits; canonical form makes every encoding unique.
  const tail = input.length % 4;
  if (tail !== 0 && (ALPHABET.indexOf(input[input.length - 1]!) & (tail === 2 ? 0x0f : 0x03)) !== 0) {
    throw new MalformedInputError(`${what} is not canonical base64url`);
  }
  // Into memory of its own: small Buffers are views into Node's shared pool, and a view would
  // expose (and keep alive) unrelated pooled bytes through `.buffer`, a decoded secret among them.
  const out = new Uint8Array((input.length * 3) >> 2);
  Buffer.from(out.buffer, 0, out.length).write(input, 'base64url');
  return out;
}
