import { bytesToHex, sha256 } from '#platform';
import { utf8ToBytes } from './bytes.js';

/**
 * SHA-256 as lowercase hex, of bytes or a UTF-8 string.
 * @example
 * ```ts
 * sha256Hex('abc'); // 'ba7816bf…'
 * ```
 */
export function sha256Hex(data: Uint8Array | string): string {
  return bytesToHex(sha256(typeof data === 'string' ? utf8ToBytes(data) : data));
}
