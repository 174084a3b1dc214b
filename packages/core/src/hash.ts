import { PLATFORM, bytesToHex, sha256 } from '#platform';
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

interface DigestingSubtle {
  digest(algorithm: 'SHA-256', data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
}

/**
 * SHA-256, asynchronously: off Node with WebCrypto (native, where the synchronous `sha256`
 * is JavaScript), for work done ahead of a synchronous pass; on Node, or where WebCrypto
 * refuses, the synchronous one. Same digest either way.
 */
export async function sha256Async(data: Uint8Array): Promise<Uint8Array> {
  const subtle = PLATFORM === 'node' ? undefined : (globalThis as { crypto?: { subtle?: DigestingSubtle } }).crypto?.subtle;
  if (subtle !== undefined && data.buffer instanceof ArrayBuffer) {
    try {
      return new Uint8Array(await subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
    } catch {
      // The synchronous digest below.
    }
  }
  return sha256(data);
}
