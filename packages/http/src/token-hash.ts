import { sha256Base64url } from '@agent-id/core/internal';

/** `ath` of RFC 9449 §4.2: base64url of the SHA-256 of the token's ASCII bytes. */
export function tokenHash(token: string): string {
  return sha256Base64url(token);
}
