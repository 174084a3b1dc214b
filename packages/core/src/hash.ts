import { type DigestEncoding, PLATFORM, base64urlFromBytes, bytesToHex, sha256, sha256Parts, sha256Utf8 } from '#platform';
import { concatBytes, utf8ToBytes } from './bytes.js';

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

/**
 * SHA-256 of a string's UTF-8 bytes, base64url without padding: a name for a token or a
 * credential that reveals nothing of it (RFC 9449's `ath` is this of the token's ASCII).
 * @example
 * ```ts
 * sha256Base64url('abc'); // 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0'
 * ```
 */
export function sha256Base64url(text: string): string {
  return base64urlFromBytes(sha256Text(text));
}

interface DigestingSubtle {
  digest(algorithm: 'SHA-256', data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
}

/**
 * `sha256Parts`, asynchronously: off Node by the runtime's WebCrypto where it has it (a
 * secure context), several times faster than JavaScript's for a Biscuit block in Chromium;
 * on Node, or without WebCrypto, or where it refuses, `sha256Parts` itself. Same text.
 * @example
 * ```ts
 * await sha256PartsAsync([label, payload], 'hex');
 * ```
 */
export function sha256PartsAsync(parts: readonly Uint8Array[], encoding: DigestEncoding): Promise<string> {
  const subtle = PLATFORM === 'node' ? undefined : (globalThis as { crypto?: { subtle?: DigestingSubtle } }).crypto?.subtle;
  const inJavaScript = () => sha256Parts(parts, encoding);
  if (subtle === undefined) return settled(inJavaScript);
  // Not async: one promise over WebCrypto's, not an async function's layer and ticks.
  // One part in a plain buffer is hashed where it lies (WebCrypto takes a view; it refuses shared memory).
  const data = parts.length === 1 && parts[0]!.buffer instanceof ArrayBuffer ? parts[0]! : concatBytes(...parts);
  return settled(() => subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>)).then(
    (digest) => (encoding === 'hex' ? bytesToHex(new Uint8Array(digest)) : base64urlFromBytes(new Uint8Array(digest))),
    inJavaScript,
  );
}

/** `run()` as a promise: its value, or its throw as a rejection (as an async function would). */
function settled<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (error) {
    return Promise.reject(error);
  }
}
