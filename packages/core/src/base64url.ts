import { base64urlFromBytes, bytesFromBase64url } from '#platform';
import { utf8ToBytes } from './bytes.js';
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
  // Node silently ignores non-zero trailing bits; canonical form makes every encoding unique.
  const tail = input.length % 4;
  if (tail !== 0 && (ALPHABET.indexOf(input[input.length - 1]!) & (tail === 2 ? 0x0f : 0x03)) !== 0) {
    throw new MalformedInputError(`${what} is not canonical base64url`);
  }
  try {
    return bytesFromBase64url(input);
  } catch (cause) {
    throw new MalformedInputError(`${what} is not unpadded base64url`, { cause });
  }
}
