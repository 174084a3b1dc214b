import { base64urlEncode } from '@agent-id/core';
import { sha256Text } from '@agent-id/core/internal';

/** `ath` of RFC 9449 §4.2: base64url of the SHA-256 of the token's ASCII bytes. */
export function tokenHash(token: string): string {
  return base64urlEncode(sha256Text(token));
}

/** @internal SHA-256 of a string's UTF-8 bytes. */
export function sha256Of(text: string): Uint8Array {
  return sha256Text(text);
}
