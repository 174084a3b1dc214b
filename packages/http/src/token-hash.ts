import { createHash } from 'node:crypto';

/** `ath` of RFC 9449 §4.2: base64url of the SHA-256 of the token's ASCII bytes. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** @internal SHA-256 of a string's UTF-8 bytes. */
export function sha256Of(text: string): Uint8Array {
  return createHash('sha256').update(text, 'utf8').digest();
}
