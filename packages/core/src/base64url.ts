import { base64urlFromBytes, bytesFromBase64url } from '#platform';
import { utf8ToBytes } from './bytes.js';
import { MalformedInputError } from './errors.js';

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** @internal The 6-bit value of a base64url character's code (already checked to be one). */
export function base64urlSextet(code: number): number {
  if (code >= 97) return code - 71; // a-z
  if (code >= 65) return code - 65; // A-Z
  if (code >= 48) return code + 4; // 0-9
  return code === 45 ? 62 : 63; // '-', '_'
}

/** Whether the last character of an unpadded base64url text carries only zero bits past its bytes (Node silently ignores non-zero ones; canonical form makes every encoding unique). */
function zeroTrailingBits(input: string): boolean {
  const tail = input.length % 4;
  return tail === 0 || (base64urlSextet(input.charCodeAt(input.length - 1)) & (tail === 2 ? 0x0f : 0x03)) === 0;
}

/**
 * @internal Whether `input` is unpadded base64url in its one canonical spelling (alphabet,
 * length, zero trailing bits), without decoding it. Such a text is ASCII: its length is its
 * size in bytes.
 */
export function isCanonicalBase64url(input: string): boolean {
  return BASE64URL.test(input) && input.length % 4 !== 1 && zeroTrailingBits(input);
}

/**
 * @internal Asserts unpadded base64url in its one canonical spelling (alphabet, length, zero
 * trailing bits) without decoding it: `malformed_input` naming `what` otherwise.
 */
export function assertCanonicalBase64url(input: string, what = 'input'): void {
  if (typeof input !== 'string' || !BASE64URL.test(input) || input.length % 4 === 1) {
    throw new MalformedInputError(`${what} is not unpadded base64url`);
  }
  if (!zeroTrailingBits(input)) throw new MalformedInputError(`${what} is not canonical base64url`);
}

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
  assertCanonicalBase64url(input, what);
  try {
    return bytesFromBase64url(input);
  } catch (cause) {
    throw new MalformedInputError(`${what} is not unpadded base64url`, { cause });
  }
}
