import { InputTooLargeError, MalformedInputError, base64urlDecode, base64urlEncode } from '@agent-id/core';

/**
 * The fewest entries a status list may have (W3C Bitstring Status List v1.0: 16 KiB
 * uncompressed), so one credential's index hides among many.
 */
export const STATUS_LIST_MIN_LENGTH = 131_072;

/** Limits for {@link decodeStatusList}. */
export interface DecodeStatusListOptions {
  /** Largest accepted `encodedList` text, bytes. Default 1,048,576. */
  maxEncodedBytes?: number;
  /** Largest accepted bitstring after decompression, bytes. Default 2,097,152 (16,777,216 entries). */
  maxDecodedBytes?: number;
}

async function pipe(bytes: Uint8Array, transform: CompressionStream | DecompressionStream, maxBytes: number): Promise<Uint8Array> {
  const reader = new Blob([bytes]).stream().pipeThrough(transform).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const next = await reader.read();
    if (next.done) break;
    total += next.value.length;
    // Cut while streaming: a GZIP bomb never gets to allocate its expanded size.
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new InputTooLargeError(`status list expands beyond ${maxBytes} bytes`, { check: 'status_list_size' });
    }
    chunks.push(next.value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Encodes a bitstring as a status list's `encodedList`: GZIP-compressed, then multibase
 * base64url without padding (prefix `u`), as W3C Bitstring Status List v1.0 defines. Index 0
 * is the most significant bit of the first byte.
 *
 * @example
 * ```ts
 * const bits = new Uint8Array(STATUS_LIST_MIN_LENGTH / 8);
 * bits[0] = 0x80;                                   // entry 0 set
 * const encodedList = await encodeStatusList(bits); // 'uH4sI…'
 * ```
 */
export async function encodeStatusList(bits: Uint8Array): Promise<string> {
  if (!(bits instanceof Uint8Array)) throw new TypeError('bits must be a Uint8Array');
  const gzipped = await pipe(bits, new CompressionStream('gzip'), Number.MAX_SAFE_INTEGER);
  return `u${base64urlEncode(gzipped)}`;
}

/**
 * Decodes a status list's `encodedList` (multibase base64url, GZIP) to its bitstring,
 * limited before decompression (`maxEncodedBytes`) and while decompressing
 * (`maxDecodedBytes`): a GZIP bomb is `input_too_large`. A list shorter than
 * {@link STATUS_LIST_MIN_LENGTH} entries, another multibase prefix or broken GZIP is
 * `malformed_input`.
 *
 * @example
 * ```ts
 * const bits = await decodeStatusList(list.credentialSubject.encodedList);
 * const revoked = (bits[index >> 3]! >> (7 - (index & 7))) & 1;
 * ```
 */
export async function decodeStatusList(encodedList: unknown, options: DecodeStatusListOptions = {}): Promise<Uint8Array> {
  const maxEncoded = options.maxEncodedBytes ?? 1_048_576;
  const maxDecoded = options.maxDecodedBytes ?? 2_097_152;
  if (typeof encodedList !== 'string') throw new MalformedInputError('encodedList is not a string', { check: 'status_list_encoding' });
  if (encodedList.length > maxEncoded) {
    throw new InputTooLargeError(`encodedList is ${encodedList.length} bytes, above the limit of ${maxEncoded}`, { check: 'status_list_size' });
  }
  if (!encodedList.startsWith('u')) {
    throw new MalformedInputError('encodedList is not multibase base64url (prefix "u")', { check: 'status_list_encoding' });
  }
  const gzipped = base64urlDecode(encodedList.slice(1), 'encodedList');
  let bits: Uint8Array;
  try {
    bits = await pipe(gzipped, new DecompressionStream('gzip'), maxDecoded);
  } catch (cause) {
    if (cause instanceof InputTooLargeError) throw cause;
    throw new MalformedInputError('encodedList is not valid GZIP', { check: 'status_list_encoding', cause });
  }
  if (bits.length * 8 < STATUS_LIST_MIN_LENGTH) {
    throw new MalformedInputError(`status list has ${bits.length * 8} entries, fewer than ${STATUS_LIST_MIN_LENGTH}`, { check: 'status_list_length' });
  }
  return bits;
}
