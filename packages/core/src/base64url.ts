import { base64urlFromBytes, bytesFromBase64url } from '#platform';
import { utf8ToBytes } from './bytes.js';
import { MalformedInputError } from './errors.js';

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Encodes bytes (or a UTF-8 string) as unpadded base64url.
 * @example
 * ```ts
 * base64urlEncode(new Uint8Array([255])); // '_w'
 * ```
 */
export function base64urlEncode(input: Uint8Array | string): string {
  return base64urlFromBytes(typeof input === 'string' ? utf8ToBytes(input) : input);
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
  let bytes: Uint8Array;
  try {
    bytes = bytesFromBase64url(input);
  } catch {
    bytes = new Uint8Array(0);
  }
  // Node silently ignores non-zero trailing bits; canonical form makes every encoding unique.
  if (base64urlFromBytes(bytes) !== input) {
    throw new MalformedInputError(`${what} is not canonical base64url`);
  }
  return bytes;
}
