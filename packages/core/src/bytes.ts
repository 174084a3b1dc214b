import { utf8Length } from '#platform';
import { InputTooLargeError, MalformedInputError } from './errors.js';

/**
 * Asserts `value` is a `Uint8Array` (optionally of an exact length). A wrong type is a
 * caller bug and throws `TypeError`.
 *
 * @example
 * ```ts
 * abytes(publicKey, 32, 'publicKey');
 * ```
 */
export function abytes(value: unknown, length?: number, name = 'value'): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
  if (length !== undefined && value.length !== length) {
    throw new TypeError(`${name} must be ${length} bytes, got ${value.length}`);
  }
  return value;
}

/**
 * Concatenates byte arrays.
 * @example
 * ```ts
 * concatBytes(new Uint8Array([1]), new Uint8Array([2])); // Uint8Array [1, 2]
 * ```
 */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (let i = 0; i < parts.length; i++) length += parts[i]!.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (let i = 0; i < parts.length; i++) {
    out.set(parts[i]!, offset);
    offset += parts[i]!.length;
  }
  return out;
}

/**
 * Constant-time equality of two byte arrays.
 * @example
 * ```ts
 * equalBytes(a, b);
 * ```
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * UTF-8 encodes a string.
 * @example
 * ```ts
 * utf8ToBytes('hi'); // Uint8Array [104, 105]
 * ```
 */
export function utf8ToBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Decodes strict UTF-8; invalid sequences are `malformed_input`.
 * @example
 * ```ts
 * bytesToUtf8(new Uint8Array([104, 105])); // 'hi'
 * ```
 */
export function bytesToUtf8(bytes: Uint8Array, what = 'input'): string {
  try {
    return strictDecoder.decode(bytes);
  } catch (cause) {
    throw new MalformedInputError(`${what} is not valid UTF-8`, { cause });
  }
}

/**
 * Refuses input above `maxBytes` before it is parsed. Strings are measured in UTF-8 bytes.
 *
 * @example
 * ```ts
 * assertSize(token, 16_384, 'token');
 * ```
 */
export function assertSize(input: string | Uint8Array, maxBytes: number, what: string): void {
  // A string of n UTF-16 units is at most 3n UTF-8 bytes: skip encoding when clearly small.
  const size =
    typeof input === 'string'
      ? input.length * 3 <= maxBytes
        ? 0
        : utf8Length(input)
      : input.length;
  if (size > maxBytes) {
    throw new InputTooLargeError(`${what} is ${size} bytes, above the limit of ${maxBytes}`);
  }
}
