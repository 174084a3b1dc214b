import { base58 } from '@scure/base';
import { MalformedInputError } from './errors.js';

/**
 * Encodes bytes as a multibase base58btc string (prefix `z`).
 * @example
 * ```ts
 * multibaseEncode(new Uint8Array([0xed, 0x01, ...publicKey])); // 'z6Mk...'
 * ```
 */
export function multibaseEncode(bytes: Uint8Array): string {
  return `z${base58.encode(bytes)}`;
}

/**
 * Decodes a multibase base58btc string. Other bases are `malformed_input`.
 * @example
 * ```ts
 * multibaseDecode('z6Mk...');
 * ```
 */
export function multibaseDecode(text: string, what = 'multibase value'): Uint8Array {
  if (typeof text !== 'string' || !text.startsWith('z') || text.length < 2) {
    throw new MalformedInputError(`${what} is not base58btc multibase (prefix "z")`);
  }
  return base58Decode(text.slice(1), what);
}

/**
 * Decodes plain base58btc (as in `publicKeyBase58`).
 * @example
 * ```ts
 * base58Decode('3mJr7AoUXx2Wqd');
 * ```
 */
export function base58Decode(text: string, what = 'base58 value'): Uint8Array {
  try {
    return base58.decode(text);
  } catch (cause) {
    throw new MalformedInputError(`${what} is not valid base58btc`, { cause });
  }
}

/**
 * Encodes plain base58btc.
 * @example
 * ```ts
 * base58Encode(new Uint8Array([1, 2, 3]));
 * ```
 */
export function base58Encode(bytes: Uint8Array): string {
  return base58.encode(bytes);
}
