import { bytesToHex, sha256, sha256Utf8 } from '#platform';
import { utf8ToBytes } from './bytes.js';

const encoder = new TextEncoder();
// Text to hash is encoded into this one buffer, zeroed after use: a fresh array per hash
// (TextEncoder.encode) costs more than hashing a token's 2 KB on Node.
const MAX_SCRATCH = 65_536;
let scratch = new Uint8Array(4096);

/**
 * SHA-256 of a string's UTF-8 bytes, without a fresh array for the encoding (for texts
 * hashed on every request: tokens, proof ids).
 * @example
 * ```ts
 * sha256Text('abc'); // Uint8Array(32) [186, 120, …]
 * ```
 */
export function sha256Text(text: string): Uint8Array {
  if (sha256Utf8 !== undefined) return sha256Utf8(text);
  const most = text.length * 3;
  if (most > MAX_SCRATCH) return sha256(utf8ToBytes(text));
  if (most > scratch.length) scratch = new Uint8Array(MAX_SCRATCH);
  const { written } = encoder.encodeInto(text, scratch);
  const view = scratch.subarray(0, written);
  const digest = sha256(view);
  view.fill(0);
  return digest;
}

/**
 * SHA-256 as lowercase hex, of bytes or a UTF-8 string.
 * @example
 * ```ts
 * sha256Hex('abc'); // 'ba7816bf…'
 * ```
 */
export function sha256Hex(data: Uint8Array | string): string {
  return bytesToHex(typeof data === 'string' ? sha256Text(data) : sha256(data));
}
